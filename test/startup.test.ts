// What each start-up failure the operator can fix says: the setting, the fix, and never a password.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.js';
import { SigningKeysUnreadable } from '../src/keys/key-store.js';
import { databaseProblem, listenProblem, signingKeysProblem } from '../src/startup.js';

/** An error as the drivers give it: a code, wrapped once the way migrateToLatest wraps it. */
const failure = (code: string, message: string) => new Error(`Database migration failed: ${message}`, { cause: Object.assign(new Error(message), { code }) });

describe('start-up failures', () => {
  it('explains the database refusing, with DATABASE_URL shown without its password', () => {
    const url = 'postgres://app:s3cr%40t@db.internal:5432/gatehouse';
    const shown = 'DATABASE_URL=postgres://app@db.internal:5432/gatehouse';
    for (const [error, expected] of [
      [
        failure('ECONNREFUSED', 'connect ECONNREFUSED 10.0.0.5:5432'),
        `cannot reach the database at ${shown} (connect ECONNREFUSED 10.0.0.5:5432): start it, or set DATABASE_URL to where it runs`,
      ],
      [
        failure('ENOTFOUND', 'getaddrinfo ENOTFOUND db.internal'),
        `cannot reach the database at ${shown} (getaddrinfo ENOTFOUND db.internal): start it, or set DATABASE_URL to where it runs`,
      ],
      [
        new Error('timeout exceeded when trying to connect'),
        `cannot reach the database at ${shown} (timeout exceeded when trying to connect): start it, or set DATABASE_URL to where it runs`,
      ],
      [
        failure('28P01', 'password authentication failed for user "app" (s3cr@t)'),
        `the database at ${shown} refused the login (password authentication failed for user "app" (…)): correct the user and password in DATABASE_URL`,
      ],
      [
        failure('3D000', 'database "gatehouse" does not exist'),
        `the database at ${shown} does not exist (database "gatehouse" does not exist): create it, or correct its name in DATABASE_URL`,
      ],
    ] as const) {
      const problem = databaseProblem(error, url);
      assert.ok(problem instanceof ConfigError);
      assert.deepEqual(problem.problems, [expected]);
    }
    assert.deepEqual(databaseProblem(failure('SQLITE_CANTOPEN', 'unable to open database file'), 'sqlite:/srv/gatehouse.db')?.problems, [
      'cannot open the SQLite file of DATABASE_URL=sqlite:/srv/gatehouse.db (unable to open database file): set DATABASE_URL to a SQLite file Gatehouse may create and write, in a writable folder',
    ]);
    // Anything else is a bug, and keeps its stack trace.
    assert.equal(databaseProblem(failure('42P01', 'relation "users" does not exist'), url), undefined);
    assert.equal(databaseProblem(new TypeError('x is not a function'), url), undefined);
  });

  it('explains signing keys that JWT_SECRET does not open, naming where the secret came from', () => {
    const config = loadConfig({ DATABASE_URL: 'sqlite:/srv/gatehouse/gatehouse.db', JWT_SECRET: 'x'.repeat(40) });
    const error = new SigningKeysUnreadable('kid-1');
    assert.match(
      signingKeysProblem(error, config, { JWT_SECRET: 'x'.repeat(40) })!.message,
      /^JWT_SECRET is not the secret the stored signing keys were encrypted with: set JWT_SECRET back/,
    );
    assert.match(
      signingKeysProblem(error, config, {})!.message,
      /^the secret in \/srv\/gatehouse\/jwt-secret \(used while JWT_SECRET is unset\) is not the one/,
    );
    for (const env of [{ JWT_SECRET: 'x'.repeat(40) }, {}])
      assert.match(signingKeysProblem(error, config, env)!.message, /"gatehouse keys rotate --immediately"/);
    assert.equal(signingKeysProblem(new Error('other'), config, {}), undefined);
  });

  it('explains a listening socket that cannot be opened', () => {
    const listen = (code: string) => listenProblem(Object.assign(new Error(code), { code }), '0.0.0.0', 80);
    assert.equal(listen('EADDRINUSE'), 'port 80 on 0.0.0.0 is already in use: stop the other server or set PORT to a free port');
    assert.equal(listen('EACCES'), 'port 80 on 0.0.0.0 needs privileges this process lacks: set PORT to 1024 or above');
    assert.match(listen('EADDRNOTAVAIL')!, /^HOST 0\.0\.0\.0 is not an address of this machine: set HOST/);
    assert.match(listen('ENOTFOUND')!, /^HOST 0\.0\.0\.0 does not resolve to an address: set HOST/);
    assert.equal(listen('EMFILE'), undefined);
  });
});
