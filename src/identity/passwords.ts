// Password hashing with argon2id (the library's default algorithm) at OWASP's recommended cost.
import { hash, verify } from '@node-rs/argon2';

const OPTIONS = { memoryCost: 19456, timeCost: 2, parallelism: 1 };

export const MIN_PASSWORD_LENGTH = 8;
/** The same bound as ADMIN_PASSWORD (src/config.ts) and `gatehouse users` (src/cli/users.ts). */
export const MAX_PASSWORD_LENGTH = 256;

/** Why a new password is refused ("must be at least 8 characters"), for the page or the command line; undefined when it is acceptable. */
export function passwordProblem(password: string): string | undefined {
  if (password.length < MIN_PASSWORD_LENGTH) return `must be at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > MAX_PASSWORD_LENGTH) return `must be at most ${MAX_PASSWORD_LENGTH} characters`;
  return undefined;
}

/** Whether a stored hash is a password at all: users who sign in upstream have a placeholder no password matches. */
export const hasPassword = (passwordHash: string | undefined): passwordHash is string => passwordHash?.startsWith('$argon2') === true;

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

// Verified against when the username is unknown (or has no password), so a miss costs as much as a wrong password.
let decoy: Promise<string> | undefined;

export async function verifyPassword(passwordHash: string | undefined, password: string): Promise<boolean> {
  // No user, or one who signs in upstream and has no password: spend the same time and refuse.
  if (!hasPassword(passwordHash)) {
    decoy ??= hashPassword('gatehouse decoy password');
    await verify(await decoy, password).catch(() => false);
    return false;
  }
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}
