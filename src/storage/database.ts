// Opens the Kysely database named by DATABASE_URL (an embedded SQLite file, or PostgreSQL) and brings its schema
// up to date. The same migrations and repositories serve both.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresAdapter, PostgresDialect, SqliteDialect } from 'kysely';
import { Migrator, type Migration, type MigrationProvider } from 'kysely/migration';
import pg from 'pg';
import { migrations } from './migrations.js';
import type { Database } from './schema.js';
import { withStatementCache } from './statements.js';

export type Db = Kysely<Database>;

export interface DatabaseOptions {
  poolSize: number;
  /** Told about connection failures that happen between queries (PostgreSQL restarts, network cuts). */
  onError: (error: Error) => void;
}

export const isPostgres = (databaseUrl: string) => /^postgres(ql)?:\/\//.test(databaseUrl);

/** Whether an open database is PostgreSQL (for the few statements the dialects spell differently). */
export const runsOnPostgres = (db: Db) => db.getExecutor().adapter instanceof PostgresAdapter;

export function openDatabase(databaseUrl: string, options: DatabaseOptions): Db {
  if (isPostgres(databaseUrl)) return openPostgres(databaseUrl, options);
  const path = databaseUrl.slice('sqlite:'.length);
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
  const sqlite = new SQLite(path);
  sqlite.pragma('journal_mode = WAL'); // readers never wait for the writer
  sqlite.pragma('synchronous = NORMAL'); // durable at each checkpoint; safe with WAL
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000'); // another process (the CLI) may hold the write lock briefly
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
}

const INT8 = 20;

function openPostgres(connectionString: string, options: DatabaseOptions): Db {
  const pool = new pg.Pool({
    connectionString,
    max: options.poolSize,
    connectionTimeoutMillis: 5000,
    // Times are epoch milliseconds in bigint columns: well inside a double, so read them as numbers.
    types: { getTypeParser: (oid, format) => (oid === INT8 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) },
  });
  // An idle connection that dies (a database restart, a network cut) must not take the process with it: the
  // pool opens a new one for the next query, and /readyz reports the outage meanwhile.
  pool.on('error', options.onError);
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

const provider: MigrationProvider = {
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrations;
  },
};

/** Applies pending migrations. On PostgreSQL Kysely takes an advisory lock, so instances starting together wait. */
export async function migrateToLatest(db: Db): Promise<void> {
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
  const failed = results?.find((result) => result.status === 'Error');
  if (error || failed) {
    // The cause keeps the driver's code (ECONNREFUSED, 28P01, SQLITE_CANTOPEN…): start-up retries and explains by it.
    throw new Error(`Database migration${failed ? ` ${failed.migrationName}` : ''} failed: ${(error as Error)?.message ?? error}`, { cause: error });
  }
}
