// Password hashing with argon2id (the library's default algorithm) at OWASP's recommended cost.
import { hash, verify } from '@node-rs/argon2';

const OPTIONS = { memoryCost: 19456, timeCost: 2, parallelism: 1 };

export const MIN_PASSWORD_LENGTH = 8;

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

// Verified against when the username is unknown (or has no password), so a miss costs as much as a wrong password.
let decoy: Promise<string> | undefined;

export async function verifyPassword(passwordHash: string | undefined, password: string): Promise<boolean> {
  // No user, or one who signs in upstream and has no password: spend the same time and refuse.
  if (passwordHash === undefined || !passwordHash.startsWith('$argon2')) {
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
