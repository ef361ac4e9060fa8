import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from './database.js';
import { statement } from './statements.js';
import { insertUser, type User } from './users.js';

/** Who someone is at an upstream provider, as the provider says after they sign in there. */
export interface UpstreamIdentity {
  issuer: string;
  subject: string;
  /** The name Gatehouse shows; made unique with a suffix if another user has it. */
  preferredUsername: string;
  email?: string | undefined;
  name?: string | undefined;
  /** The groups (GitHub: organisations) the provider says they belong to; unset when it was not asked. */
  groups?: string[] | undefined;
}

/** What the providers last said about a user, for access rules: the union of their identities' groups. */
export interface UserProfile {
  email?: string;
  groups: string[];
}

/** Stored in place of a password hash for users who sign in upstream: no password matches it. */
export const NO_PASSWORD = '!';

const findKnown = statement((db, values: { issuer: string; subject: string }) =>
  db
    .selectFrom('user_identities as i')
    .innerJoin('users as u', 'u.id', 'i.user_id')
    .select(['u.id', 'u.username', 'u.password_hash', 'u.created_at', 'u.disabled_at'])
    .where('i.issuer', '=', values.issuer)
    .where('i.subject', '=', values.subject),
);
const insertIdentity = statement(
  (db, values: { issuer: string; subject: string; userId: string; now: number; email: string | null; name: string | null; groups: string | null }) =>
    db.insertInto('user_identities').values({
      issuer: values.issuer,
      subject: values.subject,
      user_id: values.userId,
      created_at: values.now,
      tokens_encrypted: null,
      groups: values.groups,
      email: values.email,
      name: values.name,
      last_login_at: values.now,
    }),
);
const findTokens = statement((db, values: { issuer: string; userId: string }) =>
  db.selectFrom('user_identities').select('tokens_encrypted').where('issuer', '=', values.issuer).where('user_id', '=', values.userId),
);
const storeTokens = statement((db, values: { issuer: string; userId: string; tokensEncrypted: string | null }) =>
  db.updateTable('user_identities').set({ tokens_encrypted: values.tokensEncrypted }).where('issuer', '=', values.issuer).where('user_id', '=', values.userId),
);
const listForUser = statement((db, values: { userId: string }) =>
  db.selectFrom('user_identities').selectAll().where('user_id', '=', values.userId).orderBy('created_at'),
);
const profileRows = statement((db, values: { userId: string }) =>
  db.selectFrom('user_identities').select(['email', 'groups']).where('user_id', '=', values.userId).orderBy('last_login_at', 'desc'),
);
const usernamesLike = statement((db, values: { pattern: string }) =>
  db
    .selectFrom('users')
    .select('username')
    .where('username', 'like', sql<string>`${values.pattern} escape '\\'`),
);

export class IdentitiesRepository {
  constructor(private readonly db: Db) {}

  /**
   * The Gatehouse user for an upstream identity, created on first sign-in. The pair (issuer, subject) decides:
   * an identity is never joined to an existing account by username or email, which anyone upstream may choose.
   */
  async resolve(identity: UpstreamIdentity, now = Date.now()): Promise<User> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.db.transaction().execute(async (trx) => {
          const known = await findKnown.first(trx, { issuer: identity.issuer, subject: identity.subject });
          const details = {
            email: identity.email ?? null,
            name: identity.name ?? null,
            last_login_at: now,
            // Replaced at each sign-in, so a group the provider no longer names stops counting.
            ...(identity.groups && { groups: JSON.stringify(identity.groups) }),
          };
          if (known) {
            // Built per call: the groups are replaced only when the provider was asked for them.
            await trx.updateTable('user_identities').set(details).where('issuer', '=', identity.issuer).where('subject', '=', identity.subject).execute();
            return {
              id: known.id,
              username: known.username,
              passwordHash: known.password_hash,
              createdAt: Number(known.created_at),
              disabledAt: known.disabled_at === null ? null : Number(known.disabled_at),
            };
          }
          const username = await freeUsername(trx, identity.preferredUsername);
          const user = { id: randomUUID(), username, passwordHash: NO_PASSWORD, createdAt: now };
          await insertUser.run(trx, user);
          await insertIdentity.run(trx, {
            issuer: identity.issuer,
            subject: identity.subject,
            userId: user.id,
            now,
            email: details.email,
            name: details.name,
            groups: details.groups ?? null,
          });
          return { id: user.id, username, passwordHash: NO_PASSWORD, createdAt: now, disabledAt: null };
        });
      } catch (error) {
        // Two first sign-ins of one identity at once (another instance, a double click): the loser finds the winner's.
        if (attempt >= 2) throw error;
      }
    }
  }

  async tokens(issuer: string, userId: string): Promise<string | undefined> {
    const row = await findTokens.first(this.db, { issuer, userId });
    return row?.tokens_encrypted ?? undefined;
  }

  async storeTokens(issuer: string, userId: string, tokensEncrypted: string | null): Promise<void> {
    await storeTokens.run(this.db, { issuer, userId, tokensEncrypted });
  }

  async listForUser(userId: string): Promise<{ issuer: string; subject: string; email: string | null; name: string | null; lastLoginAt: number }[]> {
    const rows = await listForUser.all(this.db, { userId });
    return rows.map((row) => ({ issuer: row.issuer, subject: row.subject, email: row.email, name: row.name, lastLoginAt: Number(row.last_login_at) }));
  }

  /** The email of the identity used most recently (that has one), and the groups of all the user's identities. */
  async profile(userId: string): Promise<UserProfile> {
    const rows = await profileRows.all(this.db, { userId });
    const email = rows.find((row) => row.email !== null)?.email ?? undefined;
    const groups = new Set(rows.flatMap((row) => parseGroups(row.groups)));
    return { ...(email !== undefined && { email }), groups: [...groups].sort() };
  }
}

function parseGroups(stored: string | null): string[] {
  if (stored === null) return [];
  try {
    const parsed: unknown = JSON.parse(stored);
    return Array.isArray(parsed) ? parsed.filter((group): group is string => typeof group === 'string') : [];
  } catch {
    return [];
  }
}

// eslint-disable-next-line no-control-regex -- control characters are what this removes
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/g;

/** `wanted`, or `wanted-2`, `wanted-3`… whichever no user has yet. */
async function freeUsername(db: Db, wanted: string): Promise<string> {
  const base = wanted.replace(CONTROL_CHARACTERS, '').trim().slice(0, 60) || 'user';
  const taken = new Set((await usernamesLike.all(db, { pattern: `${base.replace(/[\\%_]/g, '\\$&')}%` })).map((row) => row.username));
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
}
