// The `gatehouse` command run as a process from the sources, against a given database, as an operator runs it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { TEST_JWT_SECRET } from './gatehouse.js';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI; never rejects, so exit codes are asserted like anything else. `input` goes to its stdin. */
export function cli(databaseUrl: string, args: string[], options: { env?: Record<string, string>; input?: string } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/index.ts', ...args],
      { env: { ...process.env, DATABASE_URL: databaseUrl, JWT_SECRET: TEST_JWT_SECRET, NODE_ENV: 'test', LOG_LEVEL: 'silent', ...options.env } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? -1) : 0, stdout, stderr }),
    );
    child.stdin!.end(options.input ?? '');
  });
}

/** The JSON a successful run printed. */
export function json(run: Run): any {
  assert.equal(run.code, 0, `exit code 0 (stderr: ${run.stderr})`);
  return JSON.parse(run.stdout);
}

/** An expected failure: exit 1, one line on stderr and no stack trace, nothing on stdout. */
export function assertRefused(run: Run, message: RegExp): void {
  assert.equal(run.code, 1, `exit code 1 (stdout: ${run.stdout}, stderr: ${run.stderr})`);
  assert.match(run.stderr, /^gatehouse: [^\n]+\n$/, `one line, no stack trace: ${run.stderr}`);
  assert.match(run.stderr, message);
  assert.equal(run.stdout, '');
}
