// What every command shares: configuration and storage opened from the environment, and clear failures.
import { ConfigError, loadConfig, type Config } from '../config.js';
import { OAuthError } from '../errors.js';
import { openStorage, type Storage } from '../storage/index.js';

/** Runs a command; expected failures print one line and exit 1, never a stack trace. */
export async function runCommand(action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (error) {
    if (error instanceof ConfigError || error instanceof OAuthError || error instanceof UsageError) {
      process.stderr.write(`gatehouse: ${error instanceof OAuthError ? error.description : error.message}\n`);
      process.exit(1);
    }
    // The database refusing (unreachable, locked, read-only) is the operator's to fix, not a bug to debug.
    const code = (error as { code?: unknown }).code;
    if (error instanceof Error && typeof code === 'string' && /^(SQLITE_|E[A-Z]+$|[0-9A-Z]{5}$)/.test(code)) {
      process.stderr.write(`gatehouse: ${error.message} (${code})\n`);
      process.exit(1);
    }
    throw error;
  }
}

export class UsageError extends Error {}

export async function withStorage<T>(action: (storage: Storage, config: Config) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const storage = await openStorage(config.databaseUrl);
  const revoked: string[] = [];
  storage.grants.onRevoke((grantId) => revoked.push(grantId));
  try {
    return await action(storage, config);
  } finally {
    await storage.close();
    if (revoked.length > 0 && config.redisUrl) await announceRevocations(config.redisUrl, config.redisPrefix, revoked);
  }
}

/**
 * Running instances poll the database for revocations every 2 s; with Redis they also listen on the channel that
 * src/cluster/revocation-fanout.ts subscribes to, so a revocation announced there is refused at once. Best effort:
 * when Redis is away, the poll still gets there.
 */
async function announceRevocations(url: string, prefix: string, grantIds: string[]): Promise<void> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    for (const grantId of grantIds) await redis.publish(`${prefix}revocations`, grantId);
  } catch (error) {
    process.stderr.write(`gatehouse: could not announce the revocation over Redis (${(error as Error).message}); instances will see it within seconds\n`);
  } finally {
    redis.disconnect();
  }
}

/** A fixed-width table for people; scripts ask for --json. */
export function printTable(rows: Record<string, string>[]): void {
  if (rows.length === 0) return void process.stdout.write('(none)\n');
  const columns = Object.keys(rows[0]!);
  const widths = columns.map((column) => Math.max(column.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  process.stdout.write([line(columns.map((c) => c.toUpperCase())), ...rows.map((row) => line(columns.map((c) => row[c] ?? '')))].join('\n') + '\n');
}

/** Scripts parse this: one JSON document on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** One record as aligned `name  value` lines, for `show` commands. */
export function printFields(fields: Record<string, string>): void {
  const width = Math.max(...Object.keys(fields).map((name) => name.length));
  process.stdout.write(
    Object.entries(fields)
      .map(([name, value]) => `${name.padEnd(width)}  ${value}`.trimEnd())
      .join('\n') + '\n',
  );
}

export const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
