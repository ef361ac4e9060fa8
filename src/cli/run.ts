// What every command shares: configuration and storage opened from the environment, one way to fail, and one way
// to print.
import type { Command } from 'commander';
import { ConfigError, readEnvironment, type Config } from '../config.js';
import { OAuthError } from '../errors.js';
import { signingKeysProblem } from '../startup.js';
import type { Storage } from '../storage/index.js';
import { NoDatabase, openExistingStorage } from './database.js';

/** Exit codes: 1 the command could not do what was asked, 2 it was used wrongly (as `gatehouse doctor` has it). */
export const REFUSED_EXIT = 1;
export const USAGE_EXIT = 2;

/** What was asked cannot be done (no such user, already revoked…): one line, exit 1. */
export class Refused extends Error {}

/** The command line itself is wrong (options that exclude each other, a value of the wrong kind): exit 2. */
export class InvalidUsage extends Error {}

/** The command commander is running, for the usage line of an InvalidUsage and for its --create. */
let running: Command | undefined;

/**
 * Gives every command of the tree the same usage errors: commander's own (unknown command or option, missing
 * argument, a bad option value) and InvalidUsage print `<command>: <what is wrong>` and the command's usage line,
 * and exit 2. Call once, on the whole program, after every command is added.
 */
export function configureCommands(program: Command): void {
  program.hook('preAction', (_program, actionCommand) => void (running = actionCommand));
  const configure = (command: Command) => {
    command
      .configureOutput({ outputError: (text, write) => write(usageError(command, text.replace(/^error: /, '').trimEnd())) })
      .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : USAGE_EXIT));
    command.commands.forEach(configure);
  };
  configure(program);
}

function usageError(command: Command, message: string): string {
  return `${commandPath(command)}: ${message}\nUsage: ${command.createHelp().commandUsage(command)}\n`;
}

const commandPath = (command: Command): string => (command.parent ? `${commandPath(command.parent)} ${command.name()}` : command.name());

/** Adds `--create` to each command of a tree that opens the database (see withStorage). */
export function opensDatabase(command: Command): Command {
  if (command.commands.length === 0) command.option('--create', 'create the database (and data/jwt-secret) if there is none, instead of refusing');
  command.commands.forEach(opensDatabase);
  return command;
}

/** Runs a command; expected failures print one line and exit 1 (2 for misuse), never a stack trace. */
export async function runCommand(action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (error) {
    if (error instanceof InvalidUsage) {
      if (running) return running.error(error.message, { exitCode: USAGE_EXIT, code: 'gatehouse.usage' });
      fail(error.message, USAGE_EXIT);
    }
    // Every invalid setting at once, one line each, as `gatehouse start` prints them.
    if (error instanceof ConfigError) fail(error.problems.join('\ngatehouse: '), REFUSED_EXIT);
    if (error instanceof OAuthError || error instanceof Refused || error instanceof NoDatabase)
      fail(error instanceof OAuthError ? error.description : error.message, REFUSED_EXIT);
    // The database refusing (unreachable, locked, read-only) is the operator's to fix, not a bug to debug.
    const code = (error as { code?: unknown }).code;
    if (error instanceof Error && typeof code === 'string' && /^(SQLITE_|E[A-Z]+$|[0-9A-Z]{5}$)/.test(code)) fail(`${error.message} (${code})`, REFUSED_EXIT);
    throw error;
  }
}

function fail(message: string, exitCode: number): never {
  process.stderr.write(`gatehouse: ${message}\n`);
  process.exit(exitCode);
}

/**
 * Opens the database Gatehouse runs on (refusing to create one unless the command was given --create) and says on
 * stderr which it is, so stdout stays a table or one JSON document.
 */
export async function withStorage<T>(action: (storage: Storage, config: Config) => Promise<T>): Promise<T> {
  const env = readEnvironment();
  const { storage, config, database } = await openExistingStorage(running?.opts().create === true, env);
  process.stderr.write(`database: ${database}\n`);
  const revoked: string[] = [];
  storage.grants.onRevoke((grantId) => revoked.push(grantId));
  try {
    return await action(storage, config);
  } catch (error) {
    // The signing keys do not open with this JWT_SECRET (keys rotate, token): the line `gatehouse start` prints.
    throw signingKeysProblem(error, config, env) ?? error;
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

/** Times in JSON: ISO 8601 in UTC, for scripts. */
export const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

const pad = (n: number) => String(n).padStart(2, '0');

/** Times for people: this machine's local time to the second, as `2026-05-04 14:03:12` (empty for none). */
export function localTime(ms: number | null): string {
  if (ms === null) return '';
  const t = new Date(ms);
  return `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())} ${pad(t.getHours())}:${pad(t.getMinutes())}:${pad(t.getSeconds())}`;
}

/** The names of the users `ids` belong to, for tables; a deleted user shows as such. */
export async function usernames(storage: Storage, ids: Iterable<string | null | undefined>): Promise<(id: string | null | undefined) => string> {
  const names = new Map<string, string>();
  for (const id of new Set(ids)) {
    if (!id || names.has(id)) continue;
    names.set(id, (await storage.users.findById(id))?.username ?? `(deleted user ${id})`);
  }
  return (id) => (id ? names.get(id)! : '');
}
