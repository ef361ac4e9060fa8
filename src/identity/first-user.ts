// Seeds the first account from ADMIN_USERNAME / ADMIN_PASSWORD when there is no user at all.
import { randomToken } from '../crypto.js';
import type { UsersRepository } from '../storage/users.js';
import { hashPassword } from './passwords.js';

/** Returns the generated password when one had to be made up, so the caller can show it once. */
export async function ensureFirstUser(users: UsersRepository, admin: { username: string; password: string | undefined }): Promise<string | undefined> {
  if ((await users.count()) > 0) return undefined;
  const password = admin.password ?? randomToken(15);
  // Instances starting together on one database may all get here: one creates the user, the others show nothing.
  const created = await users.createUnlessTaken({ username: admin.username, passwordHash: await hashPassword(password) });
  return created && admin.password === undefined ? password : undefined;
}
