// The database a command opens: the one Gatehouse runs on, never a new one by accident. Run from another folder, the
// default sqlite:data/gatehouse.db would be a new, empty database with a new data/jwt-secret: the users seem to have
// vanished, and whatever the command adds the server never sees. Only `gatehouse start` and `--create` make one.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig, readEnvironment, type Config, type Environment } from '../config.js';
import { isPostgres, openDatabase } from '../storage/database.js';
import { databaseProblem } from '../startup.js';
import { openStorage, type Storage } from '../storage/index.js';

/** A command that would have created a database, or the secret that seals its signing keys. */
export class NoDatabase extends Error {}

export interface OpenedStorage {
  storage: Storage;
  config: Config;
  /** DATABASE_URL as a person may see it: a SQLite file's absolute path, PostgreSQL without the password. */
  database: string;
}

const WHAT_TO_DO = 'run this where Gatehouse runs, set DATABASE_URL, or pass --create';

/** Stands in for a JWT_SECRET not set, so reading the configuration does not generate one (src/config.ts would). */
const UNSET_SECRET = 'not-a-secret: the command only reads where its database is';

/** The configuration without the side effect of generating data/jwt-secret, and without the secret itself. */
export function peekConfig(env: Environment = readEnvironment()): Omit<Config, 'jwtSecret'> {
  const { jwtSecret: _, ...config } = loadConfig(hasSecret(env) ? env : { ...env, JWT_SECRET: UNSET_SECRET });
  return config;
}

/** Opens the configured database; unless `create`, only one that Gatehouse's migrations made. */
export async function openExistingStorage(create: boolean, env: Environment = readEnvironment()): Promise<OpenedStorage> {
  const { databaseUrl, dataDir } = peekConfig(env);
  const database = describeDatabase(databaseUrl);
  if (!create) {
    if (databaseUrl === 'sqlite::memory:') throw new NoDatabase(`DATABASE_URL=sqlite::memory: is a new, empty database on every run: ${WHAT_TO_DO}`);
    if (!isPostgres(databaseUrl)) {
      const file = resolve(databaseUrl.slice('sqlite:'.length));
      if (!existsSync(file)) throw new NoDatabase(`no database at ${file}: ${WHAT_TO_DO}`);
      const secret = join(dataDir, 'jwt-secret');
      // A new secret could not open the signing keys the server sealed with its own.
      if (!hasSecret(env) && !existsSync(secret)) throw new NoDatabase(`no JWT_SECRET and no ${secret}: set JWT_SECRET as Gatehouse has it, or pass --create`);
    }
  }
  const config = loadConfig(env);
  try {
    if (!create && !(await hasGatehouseTables(config.databaseUrl)))
      throw new NoDatabase(`no Gatehouse tables in ${database} (Gatehouse never started on it): ${WHAT_TO_DO}`);
    return { storage: await openStorage(config.databaseUrl), config, database };
  } catch (error) {
    // Said as `gatehouse start` says it: unreachable, the login refused, no such database, a file it cannot open.
    throw databaseProblem(error, config.databaseUrl) ?? error;
  }
}

export function describeDatabase(databaseUrl: string): string {
  if (!isPostgres(databaseUrl)) return databaseUrl === 'sqlite::memory:' ? databaseUrl : `sqlite:${resolve(databaseUrl.slice('sqlite:'.length))}`;
  try {
    const url = new URL(databaseUrl);
    url.password = '';
    url.search = ''; // may hold a password too (?password=…), or sslkey paths
    return url.href;
  } catch {
    return 'postgres://(an address that is not a URL)';
  }
}

const hasSecret = (env: Environment) => typeof env.JWT_SECRET === 'string' && env.JWT_SECRET.trim() !== '';

/** Whether Gatehouse's migrations ever ran there (PostgreSQL databases exist before Gatehouse fills them). */
async function hasGatehouseTables(databaseUrl: string): Promise<boolean> {
  const db = openDatabase(databaseUrl, { poolSize: 1, onError: () => undefined });
  try {
    const tables = await db.introspection.getTables({ withInternalKyselyTables: true });
    return tables.some((table) => table.name === 'kysely_migration');
  } finally {
    await db.destroy();
  }
}
