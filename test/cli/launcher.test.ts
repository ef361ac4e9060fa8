// bin/gatehouse.js, the command npm installs: without a build (dist/) it runs the sources through tsx, so
// `npx gatehouse` works in a fresh clone. Run from a copy of the launcher in a folder with no dist/, next to links
// to this checkout's sources and packages.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { onceOnly } from '../helpers/database.js';
import { TEST_JWT_SECRET } from '../helpers/gatehouse.js';

describe('bin/gatehouse.js without a build', { skip: onceOnly }, () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-launcher-'));
    mkdirSync(join(dir, 'bin'));
    copyFileSync('bin/gatehouse.js', join(dir, 'bin', 'gatehouse.js'));
    for (const name of ['src', 'node_modules', 'package.json', 'tsconfig.json']) symlinkSync(resolve(name), join(dir, name));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('runs the sources through tsx from any working folder, passing arguments and the exit code through', async () => {
    assert.ok(!existsSync(join(dir, 'dist')));
    const launch = (args: string[]) =>
      promisify(execFile)(process.execPath, [join(dir, 'bin', 'gatehouse.js'), ...args], {
        cwd: tmpdir(), // tsx is found from the launcher, not from where it is run
        env: { ...process.env, DATABASE_URL: `sqlite:${join(dir, 'gatehouse.db')}`, JWT_SECRET: TEST_JWT_SECRET, NODE_ENV: 'test', LOG_LEVEL: 'silent' },
      });
    const [help, refused] = await Promise.all([
      launch(['--help']),
      launch(['users', 'passwd', 'nobody']).catch((error: { code: number; stderr: string }) => error),
    ]);
    assert.match(help.stdout, /^Usage: gatehouse \[options\] \[command\]/);
    for (const command of ['start', 'users', 'clients', 'grants', 'keys', 'audit', 'token', 'doctor'])
      assert.match(help.stdout, new RegExp(`^  ${command} `, 'm'));
    // Its database does not exist: refused with exit code 1, and nothing is created.
    assert.equal((refused as { code: number }).code, 1);
    assert.equal(
      (refused as { stderr: string }).stderr,
      `gatehouse: no database at ${join(dir, 'gatehouse.db')}: run this where Gatehouse runs, set DATABASE_URL, or pass --create\n`,
    );
    assert.ok(!existsSync(join(dir, 'gatehouse.db')));
  });
});
