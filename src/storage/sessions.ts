// Login sessions: the cookie holds a random id, the table only its hash.
import type { Db } from './database.js';

export interface Session {
  idHash: string;
  userId: string;
  createdAt: number;
  expiresAt: number;
}

export class SessionsRepository {
  constructor(private readonly db: Db) {}

  async create(session: Session): Promise<void> {
    await this.db
      .insertInto('sessions')
      .values({ id_hash: session.idHash, user_id: session.userId, created_at: session.createdAt, expires_at: session.expiresAt })
      .execute();
  }

  /** The session's user, when the session exists, has not expired and the user is not disabled. */
  async findActiveUser(idHash: string, now: number): Promise<{ id: string; username: string } | undefined> {
    return this.db
      .selectFrom('sessions as s')
      .innerJoin('users as u', 'u.id', 's.user_id')
      .select(['u.id', 'u.username'])
      .where('s.id_hash', '=', idHash)
      .where('s.expires_at', '>', now)
      .where('u.disabled_at', 'is', null)
      .executeTakeFirst();
  }

  async delete(idHash: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
  }

  async purgeExpired(now: number): Promise<number> {
    const result = await this.db.deleteFrom('sessions').where('expires_at', '<=', now).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
