// A grant is one user's consent to one client for one resource, and the family of refresh tokens it issues.
// Revoking the grant ends every token in the family, access tokens included (they carry the grant id).
import { compiled } from './compiled.js';
import type { Db } from './database.js';
import type { RevocationEvents } from './revocation-events.js';

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
  // The token endpoint's statements, compiled once (see compiled.ts).
  readonly #insertGrant;
  readonly #insertRefreshToken;
  readonly #linkCode;
  readonly #findRefreshToken;
  readonly #markRotated;
  readonly #markUsed;

  constructor(
    private readonly db: Db,
    private readonly revocations: RevocationEvents,
  ) {
    this.#insertGrant = compiled(db, ['id', 'userId', 'clientId', 'scope', 'resource', 'createdAt'], (slot) =>
      db.insertInto('grants').values({
        id: slot('id'),
        user_id: slot('userId'),
        client_id: slot('clientId'),
        scope: slot('scope'),
        resource: slot('resource'),
        created_at: slot('createdAt'),
        revoked_at: null,
        last_used_at: slot('createdAt'),
      }),
    );
    this.#insertRefreshToken = compiled(db, ['tokenHash', 'grantId', 'createdAt', 'expiresAt'], (slot) =>
      db
        .insertInto('refresh_tokens')
        .values({ token_hash: slot('tokenHash'), grant_id: slot('grantId'), created_at: slot('createdAt'), expires_at: slot('expiresAt'), rotated_at: null }),
    );
    this.#linkCode = compiled(db, ['codeHash', 'grantId'], (slot) =>
      db
        .updateTable('authorization_codes')
        .set({ grant_id: slot('grantId') })
        .where('code_hash', '=', slot('codeHash')),
    );
    this.#findRefreshToken = compiled(db, ['tokenHash'], (slot) =>
      db
        .selectFrom('refresh_tokens as t')
        .innerJoin('grants as g', 'g.id', 't.grant_id')
        .select(['t.token_hash', 't.created_at as token_created_at', 't.expires_at', 't.rotated_at'])
        .select(['g.id', 'g.user_id', 'g.client_id', 'g.scope', 'g.resource', 'g.created_at', 'g.revoked_at'])
        .where('t.token_hash', '=', slot('tokenHash')),
    );
    this.#markRotated = compiled(db, ['tokenHash', 'now'], (slot) =>
      db
        .updateTable('refresh_tokens')
        .set({ rotated_at: slot('now') })
        .where('token_hash', '=', slot('tokenHash'))
        .where('rotated_at', 'is', null),
    );
    this.#markUsed = compiled(db, ['grantId', 'now'], (slot) =>
      db
        .updateTable('grants')
        .set({ last_used_at: slot('now') })
        .where('id', '=', slot('grantId')),
    );
  }

  /** Called after each revocation commits, so in-process caches learn of it at once. */
  onRevoke(listener: (grantId: string) => void): () => void {
    return this.revocations.on(listener);
  }

  /** Creates the grant an authorization code earned, with its first refresh token, in one transaction. */
  async createFromCode(codeHash: string, grant: Omit<Grant, 'revokedAt'>, refresh: NewRefreshToken | undefined): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await this.#insertGrant(trx, grant);
      if (refresh)
        await this.#insertRefreshToken(trx, { tokenHash: refresh.tokenHash, grantId: grant.id, createdAt: grant.createdAt, expiresAt: refresh.expiresAt });
      await this.#linkCode(trx, { codeHash, grantId: grant.id });
    });
  }

  /** Creates a grant no code earned: an operator's `gatehouse token`, which has no refresh token. */
  async create(grant: Omit<Grant, 'revokedAt'>): Promise<void> {
    await this.#insertGrant(this.db, grant);
  }

  async find(id: string): Promise<Grant | undefined> {
    const row = await this.db.selectFrom('grants').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toGrant(row);
  }

  async findRefreshToken(tokenHash: string): Promise<{ token: RefreshToken; grant: Grant } | undefined> {
    const [row] = (await this.#findRefreshToken(this.db, { tokenHash })).rows;
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
      await this.#markRotated(trx, { tokenHash: oldHash, now });
      await this.#insertRefreshToken(trx, { tokenHash: next.tokenHash, grantId, createdAt: now, expiresAt: next.expiresAt });
      await this.#markUsed(trx, { grantId, now });
    });
  }

  /** Revokes the grant and deletes its refresh tokens; true when this call did the revoking. */
  async revoke(grantId: string, now: number): Promise<boolean> {
    const revoked = await this.db.transaction().execute(async (trx) => {
      const result = await trx.updateTable('grants').set({ revoked_at: now }).where('id', '=', grantId).where('revoked_at', 'is', null).executeTakeFirst();
      await trx.deleteFrom('refresh_tokens').where('grant_id', '=', grantId).execute();
      if (result.numUpdatedRows !== 1n) return false;
      await trx
        .insertInto('revoked_grants')
        .values({ grant_id: grantId, revoked_at: now })
        .onConflict((conflict) => conflict.column('grant_id').doNothing())
        .execute();
      return true;
    });
    if (revoked) this.revocations.emit([grantId]);
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
