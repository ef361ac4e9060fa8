// A grant is one user's consent to one client for one resource, and the family of refresh tokens it issues.
// Revoking the grant ends every token in the family, access tokens included (they carry the grant id).
import type { Db } from './database.js';

export interface Grant {
  id: string;
  userId: string;
  clientId: string;
  scope: string;
  resource: string;
  createdAt: number;
  revokedAt: number | null;
}

export interface RefreshToken {
  tokenHash: string;
  grantId: string;
  createdAt: number;
  expiresAt: number;
  rotatedAt: number | null;
}

export interface NewRefreshToken {
  tokenHash: string;
  expiresAt: number;
}

/** A grant as an operator sees it: with its user's name, its client's name and when it was last used. */
export interface GrantListing extends Grant {
  username: string;
  clientName: string | null;
  lastUsedAt: number;
}

type GrantRow = { id: string; user_id: string; client_id: string; scope: string; resource: string; created_at: number; revoked_at: number | null };

const toGrant = (row: GrantRow): Grant => ({
  id: row.id,
  userId: row.user_id,
  clientId: row.client_id,
  scope: row.scope,
  resource: row.resource,
  createdAt: Number(row.created_at),
  revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
});

export class GrantsRepository {
  private readonly revokeListeners = new Set<(grantId: string) => void>();

  constructor(private readonly db: Db) {}

  /** Called after each revocation commits, so in-process caches learn of it at once. */
  onRevoke(listener: (grantId: string) => void): () => void {
    this.revokeListeners.add(listener);
    return () => this.revokeListeners.delete(listener);
  }

  /** Creates the grant an authorization code earned, with its first refresh token, in one transaction. */
  async createFromCode(codeHash: string, grant: Omit<Grant, 'revokedAt'>, refresh: NewRefreshToken | undefined): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('grants')
        .values({
          id: grant.id,
          user_id: grant.userId,
          client_id: grant.clientId,
          scope: grant.scope,
          resource: grant.resource,
          created_at: grant.createdAt,
          revoked_at: null,
          last_used_at: grant.createdAt,
        })
        .execute();
      if (refresh) {
        await trx
          .insertInto('refresh_tokens')
          .values({ token_hash: refresh.tokenHash, grant_id: grant.id, created_at: grant.createdAt, expires_at: refresh.expiresAt, rotated_at: null })
          .execute();
      }
      await trx.updateTable('authorization_codes').set({ grant_id: grant.id }).where('code_hash', '=', codeHash).execute();
    });
  }

  async find(id: string): Promise<Grant | undefined> {
    const row = await this.db.selectFrom('grants').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toGrant(row);
  }

  async findRefreshToken(tokenHash: string): Promise<{ token: RefreshToken; grant: Grant } | undefined> {
    const row = await this.db
      .selectFrom('refresh_tokens as t')
      .innerJoin('grants as g', 'g.id', 't.grant_id')
      .select(['t.token_hash', 't.created_at as token_created_at', 't.expires_at', 't.rotated_at'])
      .select(['g.id', 'g.user_id', 'g.client_id', 'g.scope', 'g.resource', 'g.created_at', 'g.revoked_at'])
      .where('t.token_hash', '=', tokenHash)
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      token: {
        tokenHash: row.token_hash,
        grantId: row.id,
        createdAt: Number(row.token_created_at),
        expiresAt: Number(row.expires_at),
        rotatedAt: row.rotated_at === null ? null : Number(row.rotated_at),
      },
      grant: toGrant(row),
    };
  }

  /**
   * Replaces a refresh token with its successor. The old token is stamped with the time of its first rotation
   * only, so the grace window counts from then however often a retry arrives.
   */
  async rotateRefreshToken(oldHash: string, grantId: string, next: NewRefreshToken, now: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('refresh_tokens').set({ rotated_at: now }).where('token_hash', '=', oldHash).where('rotated_at', 'is', null).execute();
      await trx
        .insertInto('refresh_tokens')
        .values({ token_hash: next.tokenHash, grant_id: grantId, created_at: now, expires_at: next.expiresAt, rotated_at: null })
        .execute();
      await trx.updateTable('grants').set({ last_used_at: now }).where('id', '=', grantId).execute();
    });
  }

  /** Revokes the grant and deletes its refresh tokens; true when this call did the revoking. */
  async revoke(grantId: string, now: number): Promise<boolean> {
    const revoked = await this.db.transaction().execute(async (trx) => {
      const result = await trx.updateTable('grants').set({ revoked_at: now }).where('id', '=', grantId).where('revoked_at', 'is', null).executeTakeFirst();
      await trx.deleteFrom('refresh_tokens').where('grant_id', '=', grantId).execute();
      if (result.numUpdatedRows !== 1n) return false;
      await trx.insertInto('revoked_grants').values({ grant_id: grantId, revoked_at: now }).onConflict((conflict) => conflict.column('grant_id').doNothing()).execute();
      return true;
    });
    if (revoked) for (const listener of this.revokeListeners) listener(grantId);
    return revoked;
  }

  /** The user's grants still in force, newest first, with the name each client registered. */
  async listActiveForUser(
    userId: string,
  ): Promise<{ grantId: string; clientName: string; redirectHost: string; scope: string; createdAt: number; lastUsedAt: number }[]> {
    const rows = await this.db
      .selectFrom('grants as g')
      .innerJoin('clients as c', 'c.client_id', 'g.client_id')
      .select(['g.id', 'g.scope', 'g.created_at', 'g.last_used_at', 'c.metadata', 'c.client_id'])
      .where('g.user_id', '=', userId)
      .where('g.revoked_at', 'is', null)
      .orderBy('g.created_at', 'desc')
      .execute();
    return rows.map((row) => {
      const metadata = JSON.parse(row.metadata) as { client_name?: string; redirect_uris: string[] };
      return {
        grantId: row.id,
        clientName: metadata.client_name ?? row.client_id,
        redirectHost: new URL(metadata.redirect_uris[0]!).host || metadata.redirect_uris[0]!,
        scope: row.scope,
        createdAt: Number(row.created_at),
        lastUsedAt: Number(row.last_used_at ?? row.created_at),
      };
    });
  }

  /**
   * Deletes refresh tokens that expired before `before`, then grants nothing can use any more since then: revoked
   * before it, or without a refresh token and last used before it. Returns how many grants went.
   */
  async purgeInactive(before: number): Promise<{ grants: number; refreshTokens: number }> {
    return this.db.transaction().execute(async (trx) => {
      const tokens = await trx.deleteFrom('refresh_tokens').where('expires_at', '<', before).executeTakeFirst();
      // By then every access token a revoked grant issued has long expired.
      await trx.deleteFrom('revoked_grants').where('revoked_at', '<', before).execute();
      const grants = await trx
        .deleteFrom('grants')
        .where((g) =>
          g.or([
            g('revoked_at', '<', before),
            g.and([
              g('revoked_at', 'is', null),
              g(g.fn.coalesce('last_used_at', 'created_at'), '<', before),
              g.not(g.exists(g.selectFrom('refresh_tokens as t').select('t.token_hash').whereRef('t.grant_id', '=', 'grants.id'))),
            ]),
          ]),
        )
        .executeTakeFirst();
      return { grants: Number(grants.numDeletedRows), refreshTokens: Number(tokens.numDeletedRows) };
    });
  }

  /** Grants revoked at or after `since` (ms), for the resource server's revocation list. */
  async revokedSince(since: number): Promise<{ id: string; revokedAt: number }[]> {
    const rows = await this.db.selectFrom('revoked_grants').select(['grant_id', 'revoked_at']).where('revoked_at', '>=', since).execute();
    return rows.map((row) => ({ id: row.grant_id, revokedAt: Number(row.revoked_at) }));
  }

  /** Grants, newest first, optionally of one user or one client; only those in force unless `includeRevoked`. */
  async list(filter: { userId?: string | undefined; clientId?: string | undefined; includeRevoked?: boolean } = {}): Promise<GrantListing[]> {
    let query = this.db
      .selectFrom('grants as g')
      .innerJoin('users as u', 'u.id', 'g.user_id')
      .innerJoin('clients as c', 'c.client_id', 'g.client_id')
      .select(['g.id', 'g.user_id', 'g.client_id', 'g.scope', 'g.resource', 'g.created_at', 'g.revoked_at', 'g.last_used_at', 'u.username', 'c.metadata'])
      .orderBy('g.created_at', 'desc')
      .orderBy('g.id');
    if (filter.userId) query = query.where('g.user_id', '=', filter.userId);
    if (filter.clientId) query = query.where('g.client_id', '=', filter.clientId);
    if (!filter.includeRevoked) query = query.where('g.revoked_at', 'is', null);
    return (await query.execute()).map((row) => ({
      ...toGrant(row),
      username: row.username,
      clientName: (JSON.parse(row.metadata) as { client_name?: string }).client_name ?? null,
      lastUsedAt: Number(row.last_used_at ?? row.created_at),
    }));
  }

  /** How many grants of the client are in force. */
  async countActiveForClient(clientId: string): Promise<number> {
    const { count } = await this.db
      .selectFrom('grants')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('client_id', '=', clientId)
      .where('revoked_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(count);
  }
}
