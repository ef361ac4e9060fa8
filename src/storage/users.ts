import { randomUUID } from 'node:crypto';
import type { Db } from './database.js';

export interface User {
  id: string;
  username: string;
  passwordHash: string;
  createdAt: number;
  disabledAt: number | null;
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
  constructor(private readonly db: Db) {}

  async create(input: { username: string; passwordHash: string }): Promise<User> {
    const row = { id: randomUUID(), username: input.username, password_hash: input.passwordHash, created_at: Date.now(), disabled_at: null };
    await this.db.insertInto('users').values(row).execute();
    return toUser(row);
  }

  /** Creates the user unless the name is taken (by an instance starting alongside); true when this call created it. */
  async createUnlessTaken(input: { username: string; passwordHash: string }): Promise<boolean> {
    const row = { id: randomUUID(), username: input.username, password_hash: input.passwordHash, created_at: Date.now(), disabled_at: null };
    const result = await this.db.insertInto('users').values(row).onConflict((conflict) => conflict.column('username').doNothing()).executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async findByUsername(username: string): Promise<User | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
    return row && toUser(row);
  }

  async findById(id: string): Promise<User | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toUser(row);
  }

  async count(): Promise<number> {
    const { count } = await this.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow();
    return Number(count);
  }
}
