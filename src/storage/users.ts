import { randomUUID } from 'node:crypto';
import type { Db } from './database.js';
import { statement } from './statements.js';

export interface User {
  id: string;
  username: string;
  passwordHash: string;
  createdAt: number;
  disabledAt: number | null;
}

/** A user who may sign in and whose grants may issue tokens: one that exists and is not disabled. */
export const isActive = (user: User | undefined): user is User => user !== undefined && user.disabledAt === null;

/** A user with the upstream identities they sign in with (none for a local account). */
export interface UserWithIdentities extends User {
  identities: { issuer: string; subject: string; email: string | null }[];
}

type UserRow = { id: string; username: string; password_hash: string; created_at: number; disabled_at: number | null };

const toUser = (row: UserRow): User => ({
  id: row.id,
  username: row.username,
  passwordHash: row.password_hash,
  createdAt: Number(row.created_at),
  disabledAt: row.disabled_at === null ? null : Number(row.disabled_at),
});

export const insertUser = statement((db, values: { id: string; username: string; passwordHash: string; createdAt: number }) =>
  db
    .insertInto('users')
    .values({ id: values.id, username: values.username, password_hash: values.passwordHash, created_at: values.createdAt, disabled_at: null }),
);
const insertUserUnlessTaken = statement((db, values: { id: string; username: string; passwordHash: string; createdAt: number }) =>
  db
    .insertInto('users')
    .values({ id: values.id, username: values.username, password_hash: values.passwordHash, created_at: values.createdAt, disabled_at: null })
    .onConflict((conflict) => conflict.column('username').doNothing()),
);
const findByUsername = statement((db, values: { username: string }) => db.selectFrom('users').selectAll().where('username', '=', values.username));
const findById = statement((db, values: { id: string }) => db.selectFrom('users').selectAll().where('id', '=', values.id));
const countUsers = statement((db) => db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('count')));
const listUsers = statement((db) => db.selectFrom('users').selectAll().orderBy('created_at').orderBy('username'));
const listIdentities = statement((db) => db.selectFrom('user_identities').select(['user_id', 'issuer', 'subject', 'email']).orderBy('created_at'));
const setPassword = statement((db, values: { userId: string; passwordHash: string }) =>
  db.updateTable('users').set({ password_hash: values.passwordHash }).where('id', '=', values.userId),
);
const deleteSessionsOfUser = statement((db, values: { userId: string }) => db.deleteFrom('sessions').where('user_id', '=', values.userId));
const disableUser = statement((db, values: { userId: string; now: number }) =>
  db.updateTable('users').set({ disabled_at: values.now }).where('id', '=', values.userId).where('disabled_at', 'is', null),
);
const enableUser = statement((db, values: { userId: string }) =>
  db.updateTable('users').set({ disabled_at: null }).where('id', '=', values.userId).where('disabled_at', 'is not', null),
);

export class UsersRepository {
  constructor(private readonly db: Db) {}

  async create(input: { username: string; passwordHash: string }): Promise<User> {
    const user = { id: randomUUID(), username: input.username, passwordHash: input.passwordHash, createdAt: Date.now() };
    await insertUser.run(this.db, user);
    return { ...user, disabledAt: null };
  }

  /** Creates the user unless the name is taken (by an instance starting alongside); true when this call created it. */
  async createUnlessTaken(input: { username: string; passwordHash: string }): Promise<boolean> {
    const created = await insertUserUnlessTaken.run(this.db, {
      id: randomUUID(),
      username: input.username,
      passwordHash: input.passwordHash,
      createdAt: Date.now(),
    });
    return created > 0;
  }

  async findByUsername(username: string): Promise<User | undefined> {
    const row = await findByUsername.first(this.db, { username });
    return row && toUser(row);
  }

  async findById(id: string): Promise<User | undefined> {
    const row = await findById.first(this.db, { id });
    return row && toUser(row);
  }

  async count(): Promise<number> {
    const row = await countUsers.first(this.db);
    return Number(row!.count);
  }

  /** Every user, oldest first, with their upstream identities: two queries whatever the number of users. */
  async listWithIdentities(): Promise<UserWithIdentities[]> {
    const users = await listUsers.all(this.db);
    const byUser = new Map<string, UserWithIdentities['identities']>();
    for (const row of await listIdentities.all(this.db)) {
      const identities = byUser.get(row.user_id) ?? [];
      identities.push({ issuer: row.issuer, subject: row.subject, email: row.email });
      byUser.set(row.user_id, identities);
    }
    return users.map((row) => ({ ...toUser(row), identities: byUser.get(row.id) ?? [] }));
  }

  /** Replaces the password and ends every session of the user, in one transaction; returns how many sessions ended. */
  async changePassword(userId: string, passwordHash: string): Promise<{ sessionsEnded: number }> {
    return this.db.transaction().execute(async (trx) => {
      await setPassword.run(trx, { userId, passwordHash });
      return { sessionsEnded: await deleteSessionsOfUser.run(trx, { userId }) };
    });
  }

  /**
   * Disables the user and ends their sessions: sign-in, code exchange and refresh refuse a disabled user from then
   * on. Their grants are the caller's to revoke, through the grants repository so every instance hears of it.
   * `disabled` is false when the user already was.
   */
  async disable(userId: string, now: number): Promise<{ disabled: boolean; sessionsEnded: number }> {
    return this.db.transaction().execute(async (trx) => {
      const disabled = await disableUser.run(trx, { userId, now });
      const sessionsEnded = await deleteSessionsOfUser.run(trx, { userId });
      return { disabled: disabled === 1, sessionsEnded };
    });
  }

  /** Lets a disabled user sign in again; false when the user was not disabled. Revoked grants stay revoked. */
  async enable(userId: string): Promise<boolean> {
    return (await enableUser.run(this.db, { userId })) === 1;
  }
}
