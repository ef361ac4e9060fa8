// Opens the Kysely database named by DATABASE_URL and brings its schema up to date.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, type Migration, type MigrationProvider } from 'kysely';
import { migrations } from './migrations.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;

export class UnsupportedDatabaseError extends Error {
  override readonly name = 'UnsupportedDatabaseError';
}

export function openDatabase(databaseUrl: string): Db {
  const match = /^sqlite:(.+)$/.exec(databaseUrl);
  if (!match) {
    throw new UnsupportedDatabaseError(
      `DATABASE_URL "${databaseUrl.replace(/\/\/[^@]*@/, '//***@')}" is not supported: use sqlite:PATH or sqlite::memory:`,
    );
  }
  const path = match[1]!;
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
  const sqlite = new SQLite(path);
  sqlite.pragma('journal_mode = WAL'); // readers never wait for the writer
  sqlite.pragma('synchronous = NORMAL'); // durable at each checkpoint; safe with WAL
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000'); // another process (the CLI) may hold the write lock briefly
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
}

const provider: MigrationProvider = {
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrations;
  },
};

export async function migrateToLatest(db: Db): Promise<void> {
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
  const failed = results?.find((result) => result.status === 'Error');
  if (error || failed) {
    throw new Error(`Database migration ${failed?.migrationName ?? ''} failed: ${(error as Error)?.message ?? error}`);
  }
}
