import type { Db } from './database.js';
import { statement } from './statements.js';

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

const insertCode = statement((db, values: Omit<AuthorizationCode, 'usedAt' | 'grantId'>) =>
  db.insertInto('authorization_codes').values({
    code_hash: values.codeHash,
    client_id: values.clientId,
    user_id: values.userId,
    redirect_uri: values.redirectUri,
    code_challenge: values.codeChallenge,
    scope: values.scope,
    resource: values.resource,
    expires_at: values.expiresAt,
    created_at: values.createdAt,
    used_at: null,
    grant_id: null,
  }),
);
const findCode = statement((db, values: { codeHash: string }) => db.selectFrom('authorization_codes').selectAll().where('code_hash', '=', values.codeHash));
const consumeCode = statement((db, values: { codeHash: string; now: number }) =>
  db.updateTable('authorization_codes').set({ used_at: values.now }).where('code_hash', '=', values.codeHash).where('used_at', 'is', null),
);
const deleteExpired = statement((db, values: { before: number }) => db.deleteFrom('authorization_codes').where('expires_at', '<', values.before));

export class CodesRepository {
  constructor(private readonly db: Db) {}

  async create(code: Omit<AuthorizationCode, 'usedAt' | 'grantId'>): Promise<void> {
    await insertCode.run(this.db, {
      codeHash: code.codeHash,
      clientId: code.clientId,
      userId: code.userId,
      redirectUri: code.redirectUri,
      codeChallenge: code.codeChallenge,
      scope: code.scope,
      resource: code.resource,
      expiresAt: code.expiresAt,
      createdAt: code.createdAt,
    });
  }

  async find(codeHash: string): Promise<AuthorizationCode | undefined> {
    const row = await findCode.first(this.db, { codeHash });
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
    return (await consumeCode.run(this.db, { codeHash, now })) === 1;
  }

  /** Deletes codes that expired before `before` (used or not: a replay that late is refused as unknown anyway). */
  async purgeExpired(before: number): Promise<number> {
    return deleteExpired.run(this.db, { before });
  }
}
