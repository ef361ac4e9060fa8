import { sql, type ExpressionBuilder } from 'kysely';
import { runsOnPostgres, type Db } from './database.js';
import type { Database } from './schema.js';
import { statement } from './statements.js';

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

/** Still in the JWKS at `at`: not retired, or retiring later. */
const publishedAt = (eb: ExpressionBuilder<Database, 'signing_keys'>, at: number) => eb.or([eb('retired_at', 'is', null), eb('retired_at', '>', at)]);

const listPublished = statement((db, values: { now: number }) =>
  db
    .selectFrom('signing_keys')
    .selectAll()
    .where((eb) => publishedAt(eb, values.now))
    .orderBy('activates_at', 'asc'),
);
const listAll = statement((db) => db.selectFrom('signing_keys').selectAll().orderBy('activates_at', 'asc'));
const lockFirstKey = statement(() => sql`select pg_advisory_xact_lock(hashtext('gatehouse:first-signing-key'))`);
const insertKey = statement((db, values: Omit<StoredSigningKey, 'retiredAt'>) =>
  db.insertInto('signing_keys').values({
    kid: values.kid,
    alg: values.alg,
    public_jwk: values.publicJwk,
    private_jwk_encrypted: values.privateJwkEncrypted,
    created_at: values.createdAt,
    activates_at: values.activatesAt,
    retired_at: null,
  }),
);
const othersRetiringLater = statement((db, values: { at: number; keep: string }) =>
  db
    .selectFrom('signing_keys')
    .select('kid')
    .where((eb) => publishedAt(eb, values.at))
    .where('kid', '!=', values.keep),
);
const retireOthers = statement((db, values: { at: number; keep: string }) =>
  db
    .updateTable('signing_keys')
    .set({ retired_at: values.at })
    .where((eb) => publishedAt(eb, values.at))
    .where('kid', '!=', values.keep),
);

export class SigningKeysRepository {
  constructor(private readonly db: Db) {}

  /** Keys in the JWKS at `now`: not retired yet, including those not yet signing. Oldest first. */
  async listPublished(now: number): Promise<StoredSigningKey[]> {
    return (await listPublished.all(this.db, { now })).map(toKey);
  }

  async listAll(): Promise<StoredSigningKey[]> {
    return (await listAll.all(this.db)).map(toKey);
  }

  /**
   * Inserts `key` unless some key is already published; true when it did. Instances starting together on an empty
   * database thus agree on one first key instead of each signing with its own.
   */
  async insertFirst(key: Omit<StoredSigningKey, 'retiredAt'>, now: number): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      // PostgreSQL: serialize the check and the insert across instances (SQLite transactions already are).
      if (runsOnPostgres(this.db)) await lockFirstKey.run(trx);
      const published = await new SigningKeysRepository(trx).listPublished(now);
      if (published.length > 0) return false;
      await new SigningKeysRepository(trx).insert(key);
      return true;
    });
  }

  async insert(key: Omit<StoredSigningKey, 'retiredAt'>): Promise<void> {
    await insertKey.run(this.db, {
      kid: key.kid,
      alg: key.alg,
      publicJwk: key.publicJwk,
      privateJwkEncrypted: key.privateJwkEncrypted,
      createdAt: key.createdAt,
      activatesAt: key.activatesAt,
    });
  }

  /** Makes every key but `keep` leave the JWKS by `at` (a retirement already scheduled sooner stays). */
  async scheduleRetirement(at: number, keep: string): Promise<string[]> {
    const rows = await othersRetiringLater.all(this.db, { at, keep });
    if (rows.length > 0) await retireOthers.run(this.db, { at, keep });
    return rows.map((row) => row.kid);
  }
}
