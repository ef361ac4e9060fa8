// The database each test server gets: a fresh SQLite file by default, or, with TEST_DIALECT=postgres, a fresh
// PostgreSQL database on TEST_DATABASE_URL (dropped afterwards), so the whole suite runs on both.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openStorage, type Storage } from '../../src/storage/index.js';

export const TEST_DIALECT: 'sqlite' | 'postgres' = process.env.TEST_DIALECT === 'postgres' ? 'postgres' : 'sqlite';

/** Why PostgreSQL and Redis tests are skipped, when they are: `it(..., { skip: needsServices })`. */
export const needsServices =
  !process.env.TEST_DATABASE_URL || !process.env.TEST_REDIS_URL ? 'set TEST_DATABASE_URL and TEST_REDIS_URL (PostgreSQL and Redis) to run this test' : false;

/** Tests that do not depend on the dialect run in the SQLite pass only: `{ skip: onceOnly }`. */
export const onceOnly = TEST_DIALECT === 'postgres' ? 'runs once, in the SQLite pass of the suite' : false;

export interface TestDatabase {
  url: string;
  /** The SQLite file, when the database is one. */
  file: string | undefined;
  drop(): Promise<void>;
}

export async function createTestDatabase(dir: string, reuse?: TestDatabase): Promise<TestDatabase> {
  if (reuse) return reuse;
  if (TEST_DIALECT === 'sqlite') {
    const file = join(dir, 'gatehouse.db');
    return { url: `sqlite:${file}`, file, drop: async () => undefined };
  }
  return createPostgresDatabase();
}

/**
 * A storage for one suite, on the dialect under test, in a folder of its own: `open()` in the suite's before hook;
 * `close()` in its after hook closes the storage, drops the database and removes the folder.
 */
export function suiteStorage(name: string): { open(): Promise<Storage>; close(): Promise<void> } {
  const dir = mkdtempSync(join(tmpdir(), `gatehouse-${name}-`));
  let database: TestDatabase | undefined;
  let storage: Storage | undefined;
  return {
    async open() {
      database = await createTestDatabase(dir);
      return (storage = await openStorage(database.url));
    },
    async close() {
      await storage?.close();
      await database?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function createPostgresDatabase(): Promise<TestDatabase> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) throw new Error('TEST_DIALECT=postgres needs TEST_DATABASE_URL');
  const name = `gatehouse_test_${randomBytes(6).toString('hex')}`;
  await admin(adminUrl, `create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.href, file: undefined, drop: () => admin(adminUrl, `drop database if exists ${name} with (force)`) };
}

async function admin(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** The names of the tables in a test database, whichever the dialect. */
export async function tableNames(db: import('kysely').Kysely<any>): Promise<string[]> {
  const { sql } = await import('kysely');
  const query =
    TEST_DIALECT === 'postgres'
      ? sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = 'public' order by table_name`
      : sql<{ name: string }>`select name from sqlite_master where type = 'table' order by name`;
  return (await query.execute(db)).rows.map((row) => row.name);
}
