import { randomUUID } from 'node:crypto';
import { compiled } from './compiled.js';
import type { Db } from './database.js';

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

export class UsersRepository {
  /** Read on every token exchange: compiled once (see compiled.ts). */
  readonly #findById;

  constructor(private readonly db: Db) {
    this.#findById = compiled(db, ['id'], (slot) => db.selectFrom('users').selectAll().where('id', '=', slot('id')));
  }

  async create(input: { username: string; passwordHash: string }): Promise<User> {
    const row = { id: randomUUID(), username: input.username, password_hash: input.passwordHash, created_at: Date.now(), disabled_at: null };
    await this.db.insertInto('users').values(row).execute();
    return toUser(row);
  }

  /** Creates the user unless the name is taken (by an instance starting alongside); true when this call created it. */
  async createUnlessTaken(input: { username: string; passwordHash: string }): Promise<boolean> {
    const row = { id: randomUUID(), username: input.username, password_hash: input.passwordHash, created_at: Date.now(), disabled_at: null };
    const result = await this.db
      .insertInto('users')
      .values(row)
      .onConflict((conflict) => conflict.column('username').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async findByUsername(username: string): Promise<User | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
    return row && toUser(row);
  }

  async findById(id: string): Promise<User | undefined> {
    const [row] = (await this.#findById(this.db, { id })).rows;
    return row && toUser(row);
  }

  async count(): Promise<number> {
    const { count } = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .executeTakeFirstOrThrow();
    return Number(count);
  }

  /** Every user, oldest first, with their upstream identities: two queries whatever the number of users. */
  async listWithIdentities(): Promise<UserWithIdentities[]> {
    const users = await this.db.selectFrom('users').selectAll().orderBy('created_at').orderBy('username').execute();
    const byUser = new Map<string, UserWithIdentities['identities']>();
    for (const row of await this.db.selectFrom('user_identities').select(['user_id', 'issuer', 'subject', 'email']).orderBy('created_at').execute()) {
      const identities = byUser.get(row.user_id) ?? [];
      identities.push({ issuer: row.issuer, subject: row.subject, email: row.email });
      byUser.set(row.user_id, identities);
    }
    return users.map((row) => ({ ...toUser(row), identities: byUser.get(row.id) ?? [] }));
  }

  /** Replaces the password and ends every session of the user, in one transaction; returns how many sessions ended. */
  async changePassword(userId: string, passwordHash: string): Promise<{ sessionsEnded: number }> {
    return this.db.transaction().execute(async (trx) => {
      await trx.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', userId).execute();
      const sessions = await trx.deleteFrom('sessions').where('user_id', '=', userId).executeTakeFirst();
      return { sessionsEnded: Number(sessions.numDeletedRows) };
    });
  }

  /**
   * Disables the user and ends their sessions: sign-in, code exchange and refresh refuse a disabled user from then
   * on. Their grants are the caller's to revoke, through the grants repository so every instance hears of it.
   * `disabled` is false when the user already was.
   */
  async disable(userId: string, now: number): Promise<{ disabled: boolean; sessionsEnded: number }> {
    return this.db.transaction().execute(async (trx) => {
      const result = await trx.updateTable('users').set({ disabled_at: now }).where('id', '=', userId).where('disabled_at', 'is', null).executeTakeFirst();
      const sessions = await trx.deleteFrom('sessions').where('user_id', '=', userId).executeTakeFirst();
      return { disabled: Number(result.numUpdatedRows) === 1, sessionsEnded: Number(sessions.numDeletedRows) };
    });
  }

  /** Lets a disabled user sign in again; false when the user was not disabled. Revoked grants stay revoked. */
  async enable(userId: string): Promise<boolean> {
    const result = await this.db
      .updateTable('users')
      .set({ disabled_at: null })
      .where('id', '=', userId)
      .where('disabled_at', 'is not', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}
