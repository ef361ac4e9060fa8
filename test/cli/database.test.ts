// The command line never creates a database by accident: run from another folder, or pointed at an empty
// PostgreSQL database, it refuses in one line and leaves nothing behind, unless given --create; and every command
// that opened a database says which on its first line of stderr, so --json output stays one JSON document.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, realpathSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { after, before, describe, it } from 'node:test';
import { assertRefused, cli, databaseLine, json } from '../helpers/cli.js';
import { createPostgresDatabase, onceOnly, TEST_DIALECT } from '../helpers/database.js';
import { ADMIN, startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';

const HINT = 'run this where Gatehouse runs, set DATABASE_URL, or pass --create';

/** Commands that open the database, each as an operator might first try it. */
const STORAGE_COMMANDS = [
  ['users', 'list'],
  ['users', 'add', 'bob', '--password', 'bob password 1'],
  ['users', 'disable', 'bob'],
  ['clients', 'list', '--json'],
  ['grants', 'list'],
  ['grants', 'revoke', 'some-grant'],
  ['keys', 'list'],
  ['keys', 'rotate'],
  ['audit', '--json'],
  ['token', '--user', 'bob'],
];

describe('the database guard (SQLite, from another folder)', { skip: onceOnly }, () => {
  let dir: string;
  // As an operator runs it: no DATABASE_URL and no JWT_SECRET, so the default data/gatehouse.db and data/jwt-secret.
  const run = (args: string[]) => cli(null, args, { cwd: dir, env: { JWT_SECRET: undefined } });
  const database = () => join(dir, 'data', 'gatehouse.db');

  before(() => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), 'gatehouse-cli-elsewhere-')));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses every command in a folder with no database, in one line naming the file, and creates nothing', async () => {
    const runs = await Promise.all(STORAGE_COMMANDS.map((args) => run(args)));
    runs.forEach((refused, i) => {
      assertRefused(refused, /./);
      assert.equal(refused.stderr, `gatehouse: no database at ${database()}: ${HINT}\n`, STORAGE_COMMANDS[i]!.join(' '));
    });
    assert.deepEqual(readdirSync(dir), [], 'no data folder, database or jwt-secret');
  });

  it('creates the database and its secret with --create, then opens it without', async () => {
    const created = await run(['users', 'list', '--create']);
    assert.deepEqual(created, { code: 0, stdout: '(none)\n', stderr: `database: sqlite:${database()}\n` });
    assert.deepEqual(
      readdirSync(join(dir, 'data'))
        .filter((name) => !name.startsWith('gatehouse.db-'))
        .sort(),
      ['gatehouse.db', 'jwt-secret'],
    );

    const added = await run(['users', 'add', 'bob', '--password', 'bob password 1', '--json']);
    assert.equal(added.stderr, `database: sqlite:${database()}\n`);
    assert.equal(json(added).username, 'bob', 'stdout is the JSON document alone');
    const listed = await run(['users', 'list', '--json']);
    assert.deepEqual(
      json(listed).map((user: { username: string }) => user.username),
      ['bob'],
    );
  });

  it('refuses when the database is there but its jwt-secret is not (a new one could not open the signing keys)', async () => {
    const secret = join(dir, 'data', 'jwt-secret');
    unlinkSync(secret);
    assertRefused(
      await run(['users', 'list']),
      new RegExp(`^gatehouse: no JWT_SECRET and no ${secret}: set JWT_SECRET as Gatehouse has it, or pass --create\\n$`),
    );
    assert.equal(existsSync(secret), false, 'not created');
    const given = await cli(null, ['users', 'list', '--json'], { cwd: dir });
    assert.equal(json(given).length, 1, 'with JWT_SECRET set, the file is not needed');
    assert.equal(existsSync(secret), false);
  });

  it('refuses a SQLite file that Gatehouse never ran on, and leaves it without tables', async () => {
    const file = join(dir, 'other.db');
    writeFileSync(file, '');
    const url = `sqlite:${file}`;
    assertRefused(
      await cli(url, ['grants', 'list']),
      new RegExp(`^gatehouse: no Gatehouse tables in sqlite:${file} \\(Gatehouse never started on it\\): ${HINT}\\n$`),
    );
    const sqlite = new SQLite(file);
    try {
      assert.deepEqual(sqlite.prepare("select name from sqlite_master where type = 'table'").all(), []);
    } finally {
      sqlite.close();
    }
  });

  it('refuses sqlite::memory:, a new database on every run', async () => {
    assertRefused(await cli('sqlite::memory:', ['users', 'list']), /^gatehouse: DATABASE_URL=sqlite::memory: is a new, empty database on every run: /);
  });
});

describe('the database guard (PostgreSQL)', { skip: onceOnly || (!process.env.TEST_DATABASE_URL && 'set TEST_DATABASE_URL to run this test') }, () => {
  it('refuses a database with no Gatehouse tables, naming it without the password; --create migrates it', async () => {
    const empty = await createPostgresDatabase();
    const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: empty.url, max: 1 }) }) });
    try {
      // With a password in the URL (the test server's own, or one a trusting server ignores), and a query.
      const url = new URL(empty.url);
      url.password ||= 'never-shown';
      url.searchParams.set('application_name', 'gatehouse-cli-test');
      const shown = `postgres://${url.username}@${url.host}${url.pathname}`;
      const refused = await cli(url.href, ['users', 'list']);
      assertRefused(refused, new RegExp(`^gatehouse: no Gatehouse tables in ${shown.replace(/[.]/g, '\\.')} \\(Gatehouse never started on it\\): `));
      assert.ok(!refused.stderr.includes(url.password), 'no password');
      const tables = async () =>
        (await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = 'public'`.execute(db)).rows.map(
          (row) => row.name,
        );
      assert.deepEqual(await tables(), [], 'nothing created');

      const created = await cli(url.href, ['users', 'list', '--create']);
      assert.deepEqual(created, { code: 0, stdout: '(none)\n', stderr: `database: ${shown}\n` });
      assert.ok((await tables()).includes('users'));
    } finally {
      await db.destroy();
      await empty.drop();
    }
  });
});

describe('every command that opens the database names it first', () => {
  let gh: TestGatehouse;
  const run = (args: string[]) => cli(gh.databaseUrl, args, { env: { BASE_URL: gh.baseUrl } });

  before(async () => {
    gh = await startGatehouse();
  });
  after(() => gh.close());

  it('on the first line of stderr, leaving --json output one JSON document', async () => {
    const commands = [
      ['users', 'list', '--json'],
      ['clients', 'list', '--json'],
      ['grants', 'list', '--json'],
      ['keys', 'list', '--json'],
      ['audit', '--json', '--limit', '5'],
      ['token', '--user', ADMIN.username, '--json'],
      ['users', 'list'],
      ['audit'],
    ];
    const runs = await Promise.all(commands.map(run));
    runs.forEach((ran, i) => {
      const what = commands[i]!.join(' ');
      assert.equal(ran.code, 0, `${what}: ${ran.stderr}`);
      assert.ok(ran.stderr.startsWith(databaseLine(gh.databaseUrl)), `${what}: ${ran.stderr}`);
      if (what.includes('--json')) assert.doesNotThrow(() => JSON.parse(ran.stdout), what);
    });
    if (TEST_DIALECT === 'sqlite') assert.equal(databaseLine(gh.databaseUrl), `database: ${gh.databaseUrl}\n`);
  });
});
