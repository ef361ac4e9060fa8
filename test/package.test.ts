// The package people install: `npm pack` builds it (prepack), it holds the build, its licence and notes and nothing
// that points at missing files, and installed into an empty project it runs `npx gatehouse --help` and serves
// /healthz with `gatehouse start`. Packed from a copy of the checkout, so that its build does not race another
// test's (the bench builds dist/ too).
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { onceOnly } from './helpers/database.js';
import { freePort } from './helpers/free-port.js';
import { TEST_JWT_SECRET } from './helpers/gatehouse.js';

const run = promisify(execFile);
/** The Node.js running the tests (24 under npm test) first on PATH, as a user of the package has it. */
const env = { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH}` };

describe('the npm package', { skip: onceOnly, timeout: 300_000 }, () => {
  let dir: string;
  let tarball: string;
  let files: string[];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-package-'));
    const checkout = join(dir, 'checkout');
    const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { files: string[] };
    for (const name of [
      'package.json',
      'tsconfig.json',
      'tsconfig.build.json',
      'README.md',
      'LICENSE',
      'CHANGELOG.md',
      'src',
      'bin',
      'examples',
      ...manifest.files,
    ]) {
      if (existsSync(name) && !name.startsWith('dist')) cpSync(name, join(checkout, name), { recursive: true });
    }
    symlinkSync(resolve('node_modules'), join(checkout, 'node_modules'));
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: checkout, env });
    const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
    tarball = join(dir, packed!.filename);
    files = packed!.files.map((file) => file.path);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('holds the build, the sources its maps name, the licence and the notes, and no build state', () => {
    for (const name of [
      'package.json',
      'README.md',
      'LICENSE',
      'CHANGELOG.md',
      'SECURITY.md',
      'bin/gatehouse.js',
      'dist/src/index.js',
      'dist/src/index.d.ts',
      'dist/src/cli/index.js',
    ]) {
      assert.ok(files.includes(name), `${name} is in the package`);
    }
    assert.ok(!files.some((name) => name.endsWith('.tsbuildinfo')), 'no .tsbuildinfo');
    assert.ok(
      !files.some((name) => /^(test|bench|interop|examples|dist\/examples|\.ci)\//.test(name) || name.startsWith('.env')),
      'no tests, bench, CI or secrets',
    );
    const maps = files.filter((name) => name.endsWith('.map'));
    assert.ok(maps.length > 0);
    const checkout = join(dir, 'checkout');
    for (const map of maps) {
      const { sources } = JSON.parse(readFileSync(join(checkout, map), 'utf8')) as { sources: string[] };
      for (const source of sources) {
        const named = join(dirname(map), source).replaceAll('\\', '/');
        assert.ok(files.includes(named), `${map} names ${named}, which is in the package`);
      }
    }
  });

  it('installs into an empty project, answers npx gatehouse --help and serves /healthz with gatehouse start', async () => {
    const project = join(dir, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'uses-gatehouse', private: true, type: 'module' }));
    await run('npm', ['install', tarball, '--no-audit', '--no-fund', '--prefer-offline'], { cwd: project, env });
    assert.ok(readdirSync(join(project, 'node_modules', 'gatehouse', 'dist', 'src')).includes('server.js'));

    const help = await run('npx', ['--no-install', 'gatehouse', '--help'], { cwd: project, env });
    assert.match(help.stdout, /^Usage: gatehouse \[options\] \[command\]/);

    const port = await freePort();
    const server = spawn(join(project, 'node_modules', '.bin', 'gatehouse'), ['start'], {
      cwd: project,
      env: {
        ...env,
        PORT: String(port),
        DATABASE_URL: `sqlite:${join(project, 'data', 'gatehouse.db')}`,
        JWT_SECRET: TEST_JWT_SECRET,
        ADMIN_PASSWORD: 'a password for the test',
        LOG_LEVEL: 'silent',
        NODE_ENV: 'development',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    server.stderr.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((done) => server.on('exit', (code) => done(code)));
    try {
      let healthy: Response | undefined;
      for (let attempt = 0; attempt < 100 && !healthy?.ok; attempt++) {
        healthy = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
        if (!healthy?.ok) await sleep(100);
      }
      assert.equal(healthy?.status, 200, `gatehouse start serves /healthz (${stderr})`);
      assert.deepEqual(await healthy!.json(), { status: 'ok' });
    } finally {
      server.kill('SIGTERM');
    }
    assert.equal(await exited, 0, 'it shuts down cleanly on SIGTERM');
  });
});
