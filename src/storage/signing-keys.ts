import type { Db } from './database.js';

export interface StoredSigningKey {
  kid: string;
  alg: string;
  publicJwk: string;
  privateJwkEncrypted: string;
  createdAt: number;
  retiredAt: number | null;
}

export class SigningKeysRepository {
  constructor(private readonly db: Db) {}

  async listPublished(): Promise<StoredSigningKey[]> {
    const rows = await this.db.selectFrom('signing_keys').selectAll().where('retired_at', 'is', null).orderBy('created_at', 'asc').execute();
    return rows.map((row) => ({
      kid: row.kid,
      alg: row.alg,
      publicJwk: row.public_jwk,
      privateJwkEncrypted: row.private_jwk_encrypted,
      createdAt: Number(row.created_at),
      retiredAt: null,
    }));
  }

  async insert(key: Omit<StoredSigningKey, 'retiredAt'>): Promise<void> {
    await this.db
      .insertInto('signing_keys')
      .values({
        kid: key.kid,
        alg: key.alg,
        public_jwk: key.publicJwk,
        private_jwk_encrypted: key.privateJwkEncrypted,
        created_at: key.createdAt,
        retired_at: null,
      })
      .execute();
  }
}
