import { compiled } from './compiled.js';
import type { Db } from './database.js';

export interface AuthorizationCode {
  codeHash: string;
  clientId: string;
  userId: string;
  redirectUri: string;
  codeChallenge: string;
  scope: string;
  resource: string;
  expiresAt: number;
  createdAt: number;
  usedAt: number | null;
  grantId: string | null;
}

export class CodesRepository {
  // The token endpoint's statements, compiled once (see compiled.ts).
  readonly #find;
  readonly #consume;

  constructor(private readonly db: Db) {
    this.#find = compiled(db, ['codeHash'], (slot) => db.selectFrom('authorization_codes').selectAll().where('code_hash', '=', slot('codeHash')));
    this.#consume = compiled(db, ['codeHash', 'now'], (slot) =>
      db
        .updateTable('authorization_codes')
        .set({ used_at: slot('now') })
        .where('code_hash', '=', slot('codeHash'))
        .where('used_at', 'is', null),
    );
  }

  async create(code: Omit<AuthorizationCode, 'usedAt' | 'grantId'>): Promise<void> {
    await this.db
      .insertInto('authorization_codes')
      .values({
        code_hash: code.codeHash,
        client_id: code.clientId,
        user_id: code.userId,
        redirect_uri: code.redirectUri,
        code_challenge: code.codeChallenge,
        scope: code.scope,
        resource: code.resource,
        expires_at: code.expiresAt,
        created_at: code.createdAt,
        used_at: null,
        grant_id: null,
      })
      .execute();
  }

  async find(codeHash: string): Promise<AuthorizationCode | undefined> {
    const [row] = (await this.#find(this.db, { codeHash })).rows;
    if (!row) return undefined;
    return {
      codeHash: row.code_hash,
      clientId: row.client_id,
      userId: row.user_id,
      redirectUri: row.redirect_uri,
      codeChallenge: row.code_challenge,
      scope: row.scope,
      resource: row.resource,
      expiresAt: Number(row.expires_at),
      createdAt: Number(row.created_at),
      usedAt: row.used_at === null ? null : Number(row.used_at),
      grantId: row.grant_id,
    };
  }

  /** Marks the code used; true only for the one caller that got there first (single use, RFC 6749 §4.1.2). */
  async consume(codeHash: string, now: number): Promise<boolean> {
    const result = await this.#consume(this.db, { codeHash, now });
    return result.numAffectedRows === 1n;
  }

  /** Deletes codes that expired before `before` (used or not: a replay that late is refused as unknown anyway). */
  async purgeExpired(before: number): Promise<number> {
    const result = await this.db.deleteFrom('authorization_codes').where('expires_at', '<', before).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
