// Login sessions: the cookie holds a random id, the table only its hash.
import type { Db } from './database.js';
import { statement } from './statements.js';

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

const insertSession = statement((db, values: { idHash: string; userId: string; createdAt: number; expiresAt: number; userAgent: string | null }) =>
  db.insertInto('sessions').values({
    id_hash: values.idHash,
    user_id: values.userId,
    created_at: values.createdAt,
    expires_at: values.expiresAt,
    last_seen_at: values.createdAt,
    user_agent: values.userAgent,
  }),
);
const findActiveUser = statement((db, values: { idHash: string; now: number }) =>
  db
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .select(['u.id', 'u.username', 's.last_seen_at'])
    .where('s.id_hash', '=', values.idHash)
    .where('s.expires_at', '>', values.now)
    .where('u.disabled_at', 'is', null),
);
const touchSession = statement((db, values: { idHash: string; now: number; since: number }) =>
  db
    .updateTable('sessions')
    .set({ last_seen_at: values.now })
    .where('id_hash', '=', values.idHash)
    .where((eb) => eb.or([eb('last_seen_at', 'is', null), eb('last_seen_at', '<', values.since)])),
);
const listActiveForUser = statement((db, values: { userId: string; now: number }) =>
  db
    .selectFrom('sessions')
    .select(['id_hash', 'created_at', 'expires_at', 'last_seen_at', 'user_agent'])
    .where('user_id', '=', values.userId)
    .where('expires_at', '>', values.now)
    .orderBy((eb) => eb.fn.coalesce('last_seen_at', 'created_at'), 'desc')
    .orderBy('id_hash'),
);
const deleteSession = statement((db, values: { idHash: string }) => db.deleteFrom('sessions').where('id_hash', '=', values.idHash));
const deleteOfUser = statement((db, values: { userId: string; idHash: string }) =>
  db.deleteFrom('sessions').where('id_hash', '=', values.idHash).where('user_id', '=', values.userId),
);
const deleteOthersOfUser = statement((db, values: { userId: string; keep: string }) =>
  db.deleteFrom('sessions').where('user_id', '=', values.userId).where('id_hash', '!=', values.keep),
);
const deleteExpired = statement((db, values: { now: number }) => db.deleteFrom('sessions').where('expires_at', '<=', values.now));

export class SessionsRepository {
  constructor(private readonly db: Db) {}

  async create(session: Session): Promise<void> {
    await insertSession.run(this.db, {
      idHash: session.idHash,
      userId: session.userId,
      createdAt: session.createdAt,
      expiresAt: session.expiresAt,
      userAgent: session.userAgent ?? null,
    });
  }

  /** The session's user, when the session exists, has not expired and the user is not disabled. */
  async findActiveUser(idHash: string, now: number): Promise<{ id: string; username: string; lastSeenAt: number | null } | undefined> {
    const row = await findActiveUser.first(this.db, { idHash, now });
    return row && { id: row.id, username: row.username, lastSeenAt: row.last_seen_at === null ? null : Number(row.last_seen_at) };
  }

  /** Records that the session was used at `now`, unless it already was since `since` (so a page view is rarely a write). */
  async touch(idHash: string, now: number, since: number): Promise<void> {
    await touchSession.run(this.db, { idHash, now, since });
  }

  /** The user's sessions that have not expired, most recently used first. */
  async listActiveForUser(userId: string, now: number): Promise<StoredSession[]> {
    const rows = await listActiveForUser.all(this.db, { userId, now });
    return rows.map((row) => ({
      idHash: row.id_hash,
      createdAt: Number(row.created_at),
      expiresAt: Number(row.expires_at),
      lastSeenAt: row.last_seen_at === null ? null : Number(row.last_seen_at),
      userAgent: row.user_agent,
    }));
  }

  async delete(idHash: string): Promise<void> {
    await deleteSession.run(this.db, { idHash });
  }

  /** Ends one session of the user's, and only if it is theirs; true when it ended. */
  async deleteOfUser(userId: string, idHash: string): Promise<boolean> {
    return (await deleteOfUser.run(this.db, { userId, idHash })) === 1;
  }

  /** Ends every session of the user but `keep`; returns how many ended. */
  async deleteOthersOfUser(userId: string, keep: string): Promise<number> {
    return deleteOthersOfUser.run(this.db, { userId, keep });
  }

  async purgeExpired(now: number): Promise<number> {
    return deleteExpired.run(this.db, { now });
  }
}
