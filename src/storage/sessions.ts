// Login sessions: the cookie holds a random id, the table only its hash.
import type { Db } from './database.js';

export interface Session {
  idHash: string;
  userId: string;
  createdAt: number;
  expiresAt: number;
  /** The browser and system, summarised ("Firefox on Linux"); never the whole User-Agent header. */
  userAgent?: string | null | undefined;
}

/** A session as its user sees it listed: no cookie, only the hash the table keys it by. */
export interface StoredSession {
  idHash: string;
  createdAt: number;
  expiresAt: number;
  lastSeenAt: number | null;
  userAgent: string | null;
}

export class SessionsRepository {
  constructor(private readonly db: Db) {}

  async create(session: Session): Promise<void> {
    await this.db
      .insertInto('sessions')
      .values({
        id_hash: session.idHash,
        user_id: session.userId,
        created_at: session.createdAt,
        expires_at: session.expiresAt,
        last_seen_at: session.createdAt,
        user_agent: session.userAgent ?? null,
      })
      .execute();
  }

  /** The session's user, when the session exists, has not expired and the user is not disabled. */
  async findActiveUser(idHash: string, now: number): Promise<{ id: string; username: string; lastSeenAt: number | null } | undefined> {
    const row = await this.db
      .selectFrom('sessions as s')
      .innerJoin('users as u', 'u.id', 's.user_id')
      .select(['u.id', 'u.username', 's.last_seen_at'])
      .where('s.id_hash', '=', idHash)
      .where('s.expires_at', '>', now)
      .where('u.disabled_at', 'is', null)
      .executeTakeFirst();
    return row && { id: row.id, username: row.username, lastSeenAt: row.last_seen_at === null ? null : Number(row.last_seen_at) };
  }

  /** Records that the session was used at `now`, unless it already was since `since` (so a page view is rarely a write). */
  async touch(idHash: string, now: number, since: number): Promise<void> {
    await this.db
      .updateTable('sessions')
      .set({ last_seen_at: now })
      .where('id_hash', '=', idHash)
      .where((eb) => eb.or([eb('last_seen_at', 'is', null), eb('last_seen_at', '<', since)]))
      .execute();
  }

  /** The user's sessions that have not expired, most recently used first. */
  async listActiveForUser(userId: string, now: number): Promise<StoredSession[]> {
    const rows = await this.db
      .selectFrom('sessions')
      .select(['id_hash', 'created_at', 'expires_at', 'last_seen_at', 'user_agent'])
      .where('user_id', '=', userId)
      .where('expires_at', '>', now)
      .orderBy((eb) => eb.fn.coalesce('last_seen_at', 'created_at'), 'desc')
      .orderBy('id_hash')
      .execute();
    return rows.map((row) => ({
      idHash: row.id_hash,
      createdAt: Number(row.created_at),
      expiresAt: Number(row.expires_at),
      lastSeenAt: row.last_seen_at === null ? null : Number(row.last_seen_at),
      userAgent: row.user_agent,
    }));
  }

  async delete(idHash: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
  }

  /** Ends one session of the user's, and only if it is theirs; true when it ended. */
  async deleteOfUser(userId: string, idHash: string): Promise<boolean> {
    const result = await this.db.deleteFrom('sessions').where('id_hash', '=', idHash).where('user_id', '=', userId).executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  /** Ends every session of the user but `keep`; returns how many ended. */
  async deleteOthersOfUser(userId: string, keep: string): Promise<number> {
    const result = await this.db.deleteFrom('sessions').where('user_id', '=', userId).where('id_hash', '!=', keep).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async purgeExpired(now: number): Promise<number> {
    const result = await this.db.deleteFrom('sessions').where('expires_at', '<=', now).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
