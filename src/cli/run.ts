// What every command shares: configuration and storage opened from the environment, and clear failures.
import { ConfigError, loadConfig, type Config } from '../config.js';
import { OAuthError } from '../oauth/errors.js';
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
    throw error;
  }
}

export class UsageError extends Error {}

export async function withStorage<T>(action: (storage: Storage, config: Config) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const storage = await openStorage(config.databaseUrl);
  try {
    return await action(storage, config);
  } finally {
    await storage.close();
  }
}

/** A fixed-width table for people; scripts ask for --json. */
export function printTable(rows: Record<string, string>[]): void {
  if (rows.length === 0) return void process.stdout.write('(none)\n');
  const columns = Object.keys(rows[0]!);
  const widths = columns.map((column) => Math.max(column.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
  process.stdout.write([line(columns.map((c) => c.toUpperCase())), ...rows.map((row) => line(columns.map((c) => row[c] ?? '')))].join('\n') + '\n');
}
