// Seeds the first account from ADMIN_USERNAME / ADMIN_PASSWORD when there is no user at all.
import { randomToken } from '../crypto.js';
import type { UsersRepository } from '../storage/users.js';
import { hashPassword } from './passwords.js';

/**
 * Undefined when there already was a user (or another instance created it just now); otherwise the first user was
 * created, and `generatedPassword` is the password made up for it when ADMIN_PASSWORD was not given, to show once.
 */
export async function ensureFirstUser(
  users: UsersRepository,
  admin: { username: string; password: string | undefined },
): Promise<{ generatedPassword: string | undefined } | undefined> {
  if ((await users.count()) > 0) return undefined;
  const password = admin.password ?? randomToken(15);
  // Instances starting together on one database may all get here: one creates the user, the others show nothing.
  const created = await users.createUnlessTaken({ username: admin.username, passwordHash: await hashPassword(password) });
  return created ? { generatedPassword: admin.password === undefined ? password : undefined } : undefined;
}
