import { sql, type ExpressionBuilder } from 'kysely';
import { runsOnPostgres, type Db } from './database.js';
import type { Database } from './schema.js';

export interface StoredSigningKey {
  kid: string;
  alg: string;
  publicJwk: string;
  privateJwkEncrypted: string;
  createdAt: number;
  activatesAt: number;
  retiredAt: number | null;
}

type KeyRow = {
  kid: string;
  alg: string;
  public_jwk: string;
  private_jwk_encrypted: string;
  created_at: number;
  activates_at: number | null;
  retired_at: number | null;
};

const toKey = (row: KeyRow): StoredSigningKey => ({
  kid: row.kid,
  alg: row.alg,
  publicJwk: row.public_jwk,
  privateJwkEncrypted: row.private_jwk_encrypted,
  createdAt: Number(row.created_at),
  activatesAt: Number(row.activates_at ?? row.created_at),
  retiredAt: row.retired_at === null ? null : Number(row.retired_at),
});

export class SigningKeysRepository {
  constructor(private readonly db: Db) {}

  /** Keys in the JWKS at `now`: not retired yet, including those not yet signing. Oldest first. */
  async listPublished(now: number): Promise<StoredSigningKey[]> {
    const rows = await this.db
      .selectFrom('signing_keys')
      .selectAll()
      .where((eb) => eb.or([eb('retired_at', 'is', null), eb('retired_at', '>', now)]))
      .orderBy('activates_at', 'asc')
      .execute();
    return rows.map(toKey);
  }

  async listAll(): Promise<StoredSigningKey[]> {
    return (await this.db.selectFrom('signing_keys').selectAll().orderBy('activates_at', 'asc').execute()).map(toKey);
  }

  /**
   * Inserts `key` unless some key is already published; true when it did. Instances starting together on an empty
   * database thus agree on one first key instead of each signing with its own.
   */
  async insertFirst(key: Omit<StoredSigningKey, 'retiredAt'>, now: number): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      // PostgreSQL: serialize the check and the insert across instances (SQLite transactions already are).
      if (runsOnPostgres(this.db)) await sql`select pg_advisory_xact_lock(hashtext('gatehouse:first-signing-key'))`.execute(trx);
      const published = await new SigningKeysRepository(trx).listPublished(now);
      if (published.length > 0) return false;
      await new SigningKeysRepository(trx).insert(key);
      return true;
    });
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
        activates_at: key.activatesAt,
        retired_at: null,
      })
      .execute();
  }

  /** Makes every key but `keep` leave the JWKS by `at` (a retirement already scheduled sooner stays). */
  async scheduleRetirement(at: number, keep: string): Promise<string[]> {
    const later = (eb: ExpressionBuilder<Database, 'signing_keys'>) => eb.or([eb('retired_at', 'is', null), eb('retired_at', '>', at)]);
    const rows = await this.db.selectFrom('signing_keys').select('kid').where(later).where('kid', '!=', keep).execute();
    if (rows.length > 0) await this.db.updateTable('signing_keys').set({ retired_at: at }).where(later).where('kid', '!=', keep).execute();
    return rows.map((row) => row.kid);
  }
}
