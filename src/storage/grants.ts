// A grant is one user's consent to one client for one resource, and the family of refresh tokens it issues.
// Revoking the grant ends every token in the family, access tokens included (they carry the grant id).
import type { Db } from './database.js';
import type { RevocationEvents } from './revocation-events.js';
import { statement } from './statements.js';

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

const insertGrant = statement((db, values: Omit<Grant, 'revokedAt'>) =>
  db.insertInto('grants').values({
    id: values.id,
    user_id: values.userId,
    client_id: values.clientId,
    scope: values.scope,
    resource: values.resource,
    created_at: values.createdAt,
    revoked_at: null,
    last_used_at: values.createdAt,
  }),
);
const insertRefreshToken = statement((db, values: { tokenHash: string; grantId: string; createdAt: number; expiresAt: number }) =>
  db
    .insertInto('refresh_tokens')
    .values({ token_hash: values.tokenHash, grant_id: values.grantId, created_at: values.createdAt, expires_at: values.expiresAt, rotated_at: null }),
);
const redeemCode = statement((db, values: { codeHash: string; grantId: string; now: number }) =>
  db
    .updateTable('authorization_codes')
    .set({ used_at: values.now, grant_id: values.grantId })
    .where('code_hash', '=', values.codeHash)
    .where('used_at', 'is', null),
);
const findGrant = statement((db, values: { id: string }) => db.selectFrom('grants').selectAll().where('id', '=', values.id));
const findRefreshToken = statement((db, values: { tokenHash: string }) =>
  db
    .selectFrom('refresh_tokens as t')
    .innerJoin('grants as g', 'g.id', 't.grant_id')
    .select(['t.token_hash', 't.created_at as token_created_at', 't.expires_at', 't.rotated_at'])
    .select(['g.id', 'g.user_id', 'g.client_id', 'g.scope', 'g.resource', 'g.created_at', 'g.revoked_at'])
    .where('t.token_hash', '=', values.tokenHash),
);
const markRotated = statement((db, values: { tokenHash: string; now: number }) =>
  db.updateTable('refresh_tokens').set({ rotated_at: values.now }).where('token_hash', '=', values.tokenHash).where('rotated_at', 'is', null),
);
const markUsed = statement((db, values: { grantId: string; now: number }) =>
  db.updateTable('grants').set({ last_used_at: values.now }).where('id', '=', values.grantId),
);
const markRevoked = statement((db, values: { grantId: string; now: number }) =>
  db.updateTable('grants').set({ revoked_at: values.now }).where('id', '=', values.grantId).where('revoked_at', 'is', null),
);
const deleteRefreshTokens = statement((db, values: { grantId: string }) => db.deleteFrom('refresh_tokens').where('grant_id', '=', values.grantId));
const recordRevoked = statement((db, values: { grantId: string; now: number }) =>
  db
    .insertInto('revoked_grants')
    .values({ grant_id: values.grantId, revoked_at: values.now })
    .onConflict((conflict) => conflict.column('grant_id').doNothing()),
);
const listActiveForUser = statement((db, values: { userId: string }) =>
  db
    .selectFrom('grants as g')
    .innerJoin('clients as c', 'c.client_id', 'g.client_id')
    .select(['g.id', 'g.scope', 'g.created_at', 'g.last_used_at', 'c.metadata', 'c.client_id'])
    .where('g.user_id', '=', values.userId)
    .where('g.revoked_at', 'is', null)
    .orderBy('g.created_at', 'desc'),
);
const deleteExpiredRefreshTokens = statement((db, values: { before: number }) => db.deleteFrom('refresh_tokens').where('expires_at', '<', values.before));
const deleteRevokedBefore = statement((db, values: { before: number }) => db.deleteFrom('revoked_grants').where('revoked_at', '<', values.before));
const deleteInactiveGrants = statement((db, values: { before: number }) =>
  db
    .deleteFrom('grants')
    .where((g) =>
      g.or([
        g('revoked_at', '<', values.before),
        g.and([
          g('revoked_at', 'is', null),
          g(g.fn.coalesce('last_used_at', 'created_at'), '<', values.before),
          g.not(g.exists(g.selectFrom('refresh_tokens as t').select('t.token_hash').whereRef('t.grant_id', '=', 'grants.id'))),
        ]),
      ]),
    ),
);
const revokedSince = statement((db, values: { since: number }) =>
  db.selectFrom('revoked_grants').select(['grant_id', 'revoked_at']).where('revoked_at', '>=', values.since),
);
const countActiveForClient = statement((db, values: { clientId: string }) =>
  db
    .selectFrom('grants')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('client_id', '=', values.clientId)
    .where('revoked_at', 'is', null),
);

/** Rolls back a redemption that lost the race for its code. */
class CodeAlreadyUsed extends Error {}

/** Exactly insertGrant's values: a caller may hand over a whole Grant, whose other fields it must not be given. */
const grantValues = (grant: Omit<Grant, 'revokedAt'>) => ({
  id: grant.id,
  userId: grant.userId,
  clientId: grant.clientId,
  scope: grant.scope,
  resource: grant.resource,
  createdAt: grant.createdAt,
});

export class GrantsRepository {
  constructor(
    private readonly db: Db,
    private readonly revocations: RevocationEvents,
  ) {}

  /** Called after each revocation commits, so in-process caches learn of it at once. */
  onRevoke(listener: (grantId: string) => void): () => void {
    return this.revocations.on(listener);
  }

  /**
   * Redeems an authorization code: marks it used and creates the grant it earned, with its first refresh token, in
   * one transaction (one commit). False, with nothing created, when the code was already used: of any number of
   * exchanges racing for one code, exactly one gets true (single use, RFC 6749 §4.1.2).
   */
  async createFromCode(codeHash: string, grant: Omit<Grant, 'revokedAt'>, refresh: NewRefreshToken | undefined): Promise<boolean> {
    try {
      await this.db.transaction().execute(async (trx) => {
        // The grant first: the code's grant_id refers to it.
        await insertGrant.run(trx, grantValues(grant));
        if (refresh)
          await insertRefreshToken.run(trx, { tokenHash: refresh.tokenHash, grantId: grant.id, createdAt: grant.createdAt, expiresAt: refresh.expiresAt });
        if ((await redeemCode.run(trx, { codeHash, grantId: grant.id, now: grant.createdAt })) !== 1) throw new CodeAlreadyUsed();
      });
      return true;
    } catch (error) {
      if (error instanceof CodeAlreadyUsed) return false;
      throw error;
    }
  }

  /** Creates a grant no code earned: an operator's `gatehouse token`, which has no refresh token. */
  async create(grant: Omit<Grant, 'revokedAt'>): Promise<void> {
    await insertGrant.run(this.db, grantValues(grant));
  }

  async find(id: string): Promise<Grant | undefined> {
    const row = await findGrant.first(this.db, { id });
    return row && toGrant(row);
  }

  async findRefreshToken(tokenHash: string): Promise<{ token: RefreshToken; grant: Grant } | undefined> {
    const row = await findRefreshToken.first(this.db, { tokenHash });
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
      await markRotated.run(trx, { tokenHash: oldHash, now });
      await insertRefreshToken.run(trx, { tokenHash: next.tokenHash, grantId, createdAt: now, expiresAt: next.expiresAt });
      await markUsed.run(trx, { grantId, now });
    });
  }

  /** Revokes the grant and deletes its refresh tokens; true when this call did the revoking. */
  async revoke(grantId: string, now: number): Promise<boolean> {
    const revoked = await this.db.transaction().execute(async (trx) => {
      const revokedNow = await markRevoked.run(trx, { grantId, now });
      await deleteRefreshTokens.run(trx, { grantId });
      if (revokedNow !== 1) return false;
      await recordRevoked.run(trx, { grantId, now });
      return true;
    });
    if (revoked) this.revocations.emit([grantId]);
    return revoked;
  }

  /** The user's grants still in force, newest first, with the name each client registered. */
  async listActiveForUser(
    userId: string,
  ): Promise<{ grantId: string; clientName: string; redirectHost: string; scope: string; createdAt: number; lastUsedAt: number }[]> {
    const rows = await listActiveForUser.all(this.db, { userId });
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
      const refreshTokens = await deleteExpiredRefreshTokens.run(trx, { before });
      // By then every access token a revoked grant issued has long expired.
      await deleteRevokedBefore.run(trx, { before });
      const grants = await deleteInactiveGrants.run(trx, { before });
      return { grants, refreshTokens };
    });
  }

  /** Grants revoked at or after `since` (ms), for the resource server's revocation list. */
  async revokedSince(since: number): Promise<{ id: string; revokedAt: number }[]> {
    const rows = await revokedSince.all(this.db, { since });
    return rows.map((row) => ({ id: row.grant_id, revokedAt: Number(row.revoked_at) }));
  }

  /** Grants, newest first, optionally of one user or one client; only those in force unless `includeRevoked`. */
  async list(filter: { userId?: string | undefined; clientId?: string | undefined; includeRevoked?: boolean } = {}): Promise<GrantListing[]> {
    // Built per call: the filters are optional.
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
    const row = await countActiveForClient.first(this.db, { clientId });
    return Number(row!.count);
  }
}
