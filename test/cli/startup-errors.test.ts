// `gatehouse start` (and `npm start`'s src/server.ts) as an operator runs them, when they cannot start: each failure
// is one line on stderr that names the setting and the fix, exit code 1, no stack trace, and no secret in sight.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { onceOnly } from '../helpers/database.js';
import { freePort } from '../helpers/free-port.js';

const SECRET_A = 'first-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
const SECRET_B = 'other-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
const ADMIN_PASSWORD = 'admin-password-4f7c1e';

const ENTRIES = {
  cli: [resolve('src/cli/index.ts'), 'start'],
  server: [resolve('src/server.ts')],
  keysRotate: [resolve('src/cli/index.ts'), 'keys', 'rotate', '--immediately'],
};

interface Exited {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface Launched {
  child: ChildProcess;
  output(): { stdout: string; stderr: string };
  /** Resolves once the process has exited and its output is read to the end. */
  exited: Promise<Exited>;
}

const running = new Set<ChildProcess>();

/**
 * Runs an entry point from the sources in `dir`, with only `env` for settings: nothing inherited from the test's
 * environment, and no .env (the working folder is `dir`).
 */
function launch(dir: string, env: Record<string, string>, entry: keyof typeof ENTRIES = 'cli'): Launched {
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), ...ENTRIES[entry]], {
    cwd: dir,
    env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? dir, TSX_TSCONFIG_PATH: resolve('tsconfig.json'), NODE_ENV: 'test', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<Exited>((done) =>
    child.once('close', (code) => {
      running.delete(child);
      done({ code, stdout, stderr });
    }),
  );
  return { child, output: () => ({ stdout, stderr }), exited };
}

/** `promise`, or a failure after `ms`; the process is killed by its pid either way it times out. */
async function within<T>(launched: Launched, promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      if (launched.child.exitCode === null) process.kill(launched.child.pid!, 'SIGKILL');
      const { stdout, stderr } = launched.output();
      reject(new Error(`${what} within ${ms} ms (stdout: ${stdout}, stderr: ${stderr})`));
    }, ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs to its end, which must come within `ms`. */
function runToEnd(dir: string, env: Record<string, string>, entry: keyof typeof ENTRIES = 'cli', ms = 20_000): Promise<Exited> {
  const launched = launch(dir, env, entry);
  return within(launched, launched.exited, ms, 'exit');
}

/** Starts Gatehouse and waits until it listens; `stop()` sends SIGTERM to its pid and waits for exit 0. */
async function serve(dir: string, env: Record<string, string>): Promise<{ stdout(): string; stop(): Promise<Exited> }> {
  const launched = launch(dir, env);
  const listening = new Promise<void>((ready, fail) => {
    const poll = setInterval(() => {
      if (/Gatehouse is listening/.test(launched.output().stdout)) {
        clearInterval(poll);
        ready();
      }
    }, 50);
    void launched.exited.then((exited) => {
      clearInterval(poll);
      fail(new Error(`exited ${exited.code} before listening (stderr: ${exited.stderr})`));
    });
  });
  await within(launched, listening, 20_000, 'listening');
  return {
    stdout: () => launched.output().stdout,
    async stop() {
      process.kill(launched.child.pid!, 'SIGTERM');
      const exited = await within(launched, launched.exited, 20_000, 'exit after SIGTERM');
      assert.equal(exited.code, 0, `a clean shutdown (stderr: ${exited.stderr})`);
      return exited;
    },
  };
}

/** Exit 1, and on stderr exactly these lines: no stack trace, no warning, nothing else. */
function assertFailed(exited: Exited, lines: (string | RegExp)[]): void {
  assert.equal(exited.code, 1, `exit code 1 (stdout: ${exited.stdout}, stderr: ${exited.stderr})`);
  assert.ok(exited.stderr.endsWith('\n'), `whole lines: ${JSON.stringify(exited.stderr)}`);
  const written = exited.stderr.slice(0, -1).split('\n');
  assert.doesNotMatch(exited.stderr, /^ {4}at /m, 'no stack trace');
  assert.equal(written.length, lines.length, `${lines.length} line(s): ${exited.stderr}`);
  written.forEach((line, i) => {
    const expected = lines[i]!;
    if (typeof expected === 'string') assert.equal(line, expected);
    else assert.match(line, expected);
  });
}

function assertNoSecret(exited: Exited, ...secrets: string[]): void {
  for (const secret of secrets) {
    assert.ok(!exited.stderr.includes(secret), `stderr holds no secret: ${exited.stderr}`);
    assert.ok(!exited.stdout.includes(secret), `stdout holds no secret: ${exited.stdout}`);
  }
}

describe('start-up failures', { skip: onceOnly }, () => {
  let root: string;
  let count = 0;
  /** A fresh data folder of its own for each start-up. */
  const freshDir = () => {
    const dir = join(root, `case-${++count}`);
    mkdirSync(dir);
    return dir;
  };
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'gatehouse-startup-'));
  });
  after(() => {
    for (const child of running) if (child.exitCode === null) process.kill(child.pid!, 'SIGKILL');
    rmSync(root, { recursive: true, force: true });
  });

  it('a busy port: names the port and says to stop the other server or change PORT', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((listening) => blocker.listen(0, '127.0.0.1', listening));
    const { port } = blocker.address() as { port: number };
    try {
      const dir = freshDir();
      const exited = await runToEnd(dir, {
        PORT: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL: `sqlite:${join(dir, 'gatehouse.db')}`,
        JWT_SECRET: SECRET_A,
        ADMIN_PASSWORD,
      });
      assertFailed(exited, [`gatehouse: port ${port} on 127.0.0.1 is already in use: stop the other server or set PORT to a free port`]);
      assertNoSecret(exited, SECRET_A, ADMIN_PASSWORD);
    } finally {
      await new Promise((closed) => blocker.close(closed));
    }
  });

  it('an unreachable database: names DATABASE_URL without its password, after the start-up retries it logs', { timeout: 90_000 }, async () => {
    const dir = freshDir();
    const exited = await runToEnd(
      dir,
      { PORT: String(await freePort()), DATABASE_URL: 'postgres://gatehouse:secretpw@127.0.0.1:1/none', JWT_SECRET: SECRET_A },
      'cli',
      60_000, // ten attempts, half a second more apart each time: about 23 s
    );
    assertFailed(exited, [
      'gatehouse: cannot reach the database at DATABASE_URL=postgres://gatehouse@127.0.0.1:1/none (connect ECONNREFUSED 127.0.0.1:1): ' +
        'start it, or set DATABASE_URL to where it runs',
    ]);
    assertNoSecret(exited, 'secretpw', SECRET_A);
    assert.equal(exited.stdout.match(/the database is not reachable yet; trying again in \d+ ms/g)?.length, 9, 'each wait is logged');
  });

  it('an unreachable Redis: names REDIS_URL without its password', async () => {
    const dir = freshDir();
    const exited = await runToEnd(dir, {
      PORT: String(await freePort()),
      DATABASE_URL: `sqlite:${join(dir, 'gatehouse.db')}`,
      REDIS_URL: 'redis://:redispw@127.0.0.1:1',
      JWT_SECRET: SECRET_A,
      LOG_LEVEL: 'silent',
    });
    assertFailed(exited, [
      'gatehouse: cannot reach Redis at REDIS_URL=redis://@127.0.0.1:1 (connect ECONNREFUSED 127.0.0.1:1): ' +
        'start it, or set REDIS_URL to where it runs (or unset it to run a single instance)',
    ]);
    assertNoSecret(exited, 'redispw', SECRET_A);
  });

  it('a JWT_SECRET that does not open the stored signing keys: says so, and the fix it gives works', { timeout: 90_000 }, async () => {
    const dir = freshDir();
    const settings = { DATABASE_URL: `sqlite:${join(dir, 'gatehouse.db')}`, ADMIN_PASSWORD, LOG_FORMAT: 'json' };
    const first = await serve(dir, { ...settings, PORT: String(await freePort()), JWT_SECRET: SECRET_A });
    const firstRun = await first.stop();
    // The first start says who it created, also when the password was given (and never the password).
    assert.match(firstRun.stdout, /^ {2}First start: created user "admin" with the password from ADMIN_PASSWORD$/m);
    assertNoSecret(firstRun, ADMIN_PASSWORD, SECRET_A);

    const refused = await runToEnd(dir, { ...settings, PORT: String(await freePort()), JWT_SECRET: SECRET_B });
    assertFailed(refused, [
      'gatehouse: JWT_SECRET is not the secret the stored signing keys were encrypted with: set JWT_SECRET back to that one, or, ' +
        'to start over with new keys (tokens issued so far stop working), run "gatehouse keys rotate --immediately" with it',
    ]);
    assertNoSecret(refused, SECRET_A, SECRET_B, ADMIN_PASSWORD);

    const rotated = await runToEnd(dir, { ...settings, JWT_SECRET: SECRET_B }, 'keysRotate');
    assert.equal(rotated.code, 0, `keys rotate --immediately (stderr: ${rotated.stderr})`);
    const again = await serve(dir, { ...settings, PORT: String(await freePort()), JWT_SECRET: SECRET_B, LOG_FORMAT: 'pretty' });
    const againRun = await again.stop();
    assert.doesNotMatch(againRun.stdout, /First start/, 'the user was created once');
    // LOG_FORMAT reaches the logger: JSON the first time, pino-pretty's lines now.
    assert.match(firstRun.stdout, /^\{"level":30,.*"msg":"Gatehouse is listening"\}$/m);
    assert.match(againRun.stdout, /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: Gatehouse is listening \{"url":"http:\/\/localhost:\d+",/m);
  });

  it('a setting of the wrong kind: its name, what it takes and what it got, from either entry point', async () => {
    const dir = freshDir();
    const env = { PORT: 'abc', DATABASE_URL: `sqlite:${join(dir, 'gatehouse.db')}`, JWT_SECRET: SECRET_A };
    for (const entry of ['cli', 'server'] as const) {
      const exited = await runToEnd(dir, env, entry);
      assertFailed(exited, ['gatehouse: PORT must be a whole number between 1 and 65535 (got "abc")']);
      assertNoSecret(exited, SECRET_A);
    }
  });

  it('in production, every invalid setting at once, one line each, secrets never repeated', async () => {
    const dir = freshDir();
    const exited = await runToEnd(dir, {
      NODE_ENV: 'production',
      PORT: 'abc',
      DATABASE_URL: `sqlite:${join(dir, 'gatehouse.db')}`,
      JWT_SECRET: 'short-secret-9d2f',
      ADMIN_PASSWORD: 'pw-7c1',
      ACCESS_TOKEN_TTL: 'soon',
      MCP_STRICT_HEADERS: 'yes',
      CORS_ORIGINS: 'claude.ai',
      CIMD_ALLOW_LOCAL: 'true',
    });
    assertFailed(exited, [
      'gatehouse: PORT must be a whole number between 1 and 65535 (got "abc")',
      'gatehouse: ADMIN_PASSWORD must be at least 8 characters',
      'gatehouse: ACCESS_TOKEN_TTL must be a duration longer than zero: seconds, or a number with s, m, h or d (e.g. 90s, 10m, 12h, 30d) (got "soon")',
      'gatehouse: MCP_STRICT_HEADERS must be true or false (got "yes")',
      'gatehouse: BASE_URL is required when NODE_ENV=production: the public https origin clients use, e.g. https://mcp.example.com',
      'gatehouse: CORS_ORIGINS entry "claude.ai" is not an origin such as https://claude.ai',
      'gatehouse: CIMD_ALLOW_LOCAL is for development and tests; it is refused when NODE_ENV=production',
      'gatehouse: JWT_SECRET must be at least 32 characters (try: openssl rand -base64 48)',
    ]);
    assertNoSecret(exited, 'short-secret-9d2f', 'pw-7c1');
  });
});
