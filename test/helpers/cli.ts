// The `gatehouse` command run as a process from the sources, against a given database, as an operator runs it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { TEST_JWT_SECRET } from './gatehouse.js';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

// Absolute, so the command runs from any working folder as the installed `gatehouse` does.
const ENTRY = resolve('src/cli/index.ts');
const TSX = import.meta.resolve('tsx');
const TSCONFIG = resolve('tsconfig.json');

export interface CliOptions {
  /** Added to (or, with undefined, removed from) the environment the command runs in. */
  env?: Record<string, string | undefined>;
  input?: string;
  /** The working folder (default: this checkout), where a relative DATABASE_URL and .env are read. */
  cwd?: string;
}

/**
 * Runs the CLI; never rejects, so exit codes are asserted like anything else. `input` goes to its stdin. A null
 * `databaseUrl` leaves DATABASE_URL unset, so the command looks where it looks by default.
 */
export function cli(databaseUrl: string | null, args: string[], options: CliOptions = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', TSX, ENTRY, ...args],
      {
        ...(options.cwd && { cwd: options.cwd }),
        env: {
          ...process.env,
          DATABASE_URL: databaseUrl ?? undefined,
          JWT_SECRET: TEST_JWT_SECRET,
          NODE_ENV: 'test',
          LOG_LEVEL: 'silent',
          TSX_TSCONFIG_PATH: TSCONFIG,
          ...options.env,
        },
        timeout: 60_000,
      },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? -1) : 0, stdout, stderr }),
    );
    child.stdin!.end(options.input ?? '');
  });
}

/** The first line on stderr of every command that opened a database: where it is, without a password. */
export function databaseLine(databaseUrl: string): string {
  if (databaseUrl.startsWith('sqlite:')) return `database: sqlite:${resolve(databaseUrl.slice('sqlite:'.length))}\n`;
  const url = new URL(databaseUrl);
  url.password = '';
  url.search = '';
  return `database: ${url.href}\n`;
}

/** The JSON a successful run printed. */
export function json(run: Run): any {
  assert.equal(run.code, 0, `exit code 0 (stderr: ${run.stderr})`);
  return JSON.parse(run.stdout);
}

/** An expected failure: exit 1, one line on stderr (after the database line, if it got that far), nothing on stdout. */
export function assertRefused(run: Run, message: RegExp): void {
  assert.equal(run.code, 1, `exit code 1 (stdout: ${run.stdout}, stderr: ${run.stderr})`);
  const refusal = run.stderr.replace(/^database: \S+\n/, '');
  assert.match(refusal, /^gatehouse: [^\n]+\n$/, `one line, no stack trace: ${run.stderr}`);
  assert.match(refusal, message);
  assert.equal(run.stdout, '');
}

/**
 * A usage error: exit 2, the command and what is wrong, then its usage line, before any database is opened.
 * `command` is the command as typed, e.g. `gatehouse users add`.
 */
export function assertMisused(run: Run, command: string, message: RegExp): void {
  assert.equal(run.code, 2, `exit code 2 (stdout: ${run.stdout}, stderr: ${run.stderr})`);
  assert.equal(run.stdout, '');
  const [said, usage, ...rest] = run.stderr.split('\n');
  assert.deepEqual(rest, [''], `two lines: ${run.stderr}`);
  assert.ok(said!.startsWith(`${command}: `), `names the command: ${said}`);
  assert.match(said!.slice(command.length + 2), message);
  assert.ok(usage!.startsWith(`Usage: ${command} `), `the usage line of ${command}: ${usage}`);
}
