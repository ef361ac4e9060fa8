// What every command does alike: a usage error prints the command's usage line and exits 2 before any database is
// opened, and tables name users by their username and give times in the machine's local time (JSON keeps ids and
// ISO times in UTC for scripts).
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertMisused, cli, json } from '../helpers/cli.js';
import { onceOnly } from '../helpers/database.js';
import { ADMIN, startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { obtainTokens } from '../helpers/oauth.js';

describe('usage errors', { skip: onceOnly }, () => {
  let dir: string;
  before(() => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), 'gatehouse-cli-usage-')));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('print what is wrong and the usage line of the command, exit 2, and open no database', async () => {
    const cases: [string[], string, RegExp][] = [
      [['bogus'], 'gatehouse', /^unknown command 'bogus'$/],
      [['users', 'bogus'], 'gatehouse users', /^unknown command 'bogus'$/],
      [['users', 'add'], 'gatehouse users add', /^missing required argument 'username'$/],
      [['users', 'list', '--bogus'], 'gatehouse users list', /^unknown option '--bogus'$/],
      [
        ['users', 'add', 'bob', '--password', 'bob password 1', '--password-stdin'],
        'gatehouse users add',
        /^--password and --password-stdin exclude each other$/,
      ],
      [
        ['clients', 'add', '--id', 'x', '--redirect-uri', 'https://a.example/cb', '--public', '--secret', 's'.repeat(20)],
        'gatehouse clients add',
        /^--public and --secret exclude each other$/,
      ],
      [['grants', 'revoke'], 'gatehouse grants revoke', /^missing required argument 'grant_id'$/],
      [['keys', 'rotate', '--activate-in', 'soon'], 'gatehouse keys rotate', /^--activate-in: "soon" is not a duration/],
      [['audit', '--limit', 'lots'], 'gatehouse audit', /^--limit must be a whole number from 1 to 10000$/],
      [['token'], 'gatehouse token', /^required option '--user <username>' not specified$/],
      [['token', '--user', 'bob', '--scope', 'mcp:everything'], 'gatehouse token', /^--scope takes mcp:tools, mcp:resources, mcp:prompts, not mcp:everything$/],
      [['servers', 'test', 'x', '--timeout', 'soon'], 'gatehouse servers test', /^option '--timeout <seconds>' argument 'soon' is invalid/],
      [['doctor'], 'gatehouse doctor', /^missing required argument 'url'$/],
    ];
    const runs = await Promise.all(cases.map(([args]) => cli(null, args, { cwd: dir, env: { JWT_SECRET: undefined } })));
    runs.forEach((run, i) => assertMisused(run, cases[i]![1], cases[i]![2]));
    assert.match(runs[2]!.stderr, /\nUsage: gatehouse users add \[options\] <username>\n$/);
    assert.deepEqual(readdirSync(dir), [], 'nothing was opened or created');
  });
});

/** `2026-05-04 14:03:12` for the instant `ms`, in a zone `offsetMinutes` east of UTC. */
function localIn(offsetMinutes: number, ms: number): string {
  return new Date(ms + offsetMinutes * 60_000).toISOString().replace('T', ' ').slice(0, 19);
}

describe('tables: usernames and local times', () => {
  let gh: TestGatehouse;
  // India has kept UTC+05:30 all year since 1945: a local time there is never the UTC time.
  const KOLKATA = 330;
  const run = (args: string[]) => cli(gh.databaseUrl, args, { env: { BASE_URL: gh.baseUrl, TZ: 'Asia/Kolkata' } });

  before(async () => {
    gh = await startGatehouse();
    await obtainTokens(gh);
  });
  after(() => gh.close());

  it('give times in local time, not UTC, in every table; JSON keeps ISO 8601 in UTC', async () => {
    const added = await run(['users', 'add', 'alice', '--password', 'alice password 1', '--json']);
    const alice = json(added) as { id: string; created: string };
    assert.match(alice.created, /Z$/);
    const [users, grants, grantsJson, clients, clientsJson, keys, keysJson, audit, auditJson] = await Promise.all([
      run(['users', 'list']),
      run(['grants', 'list']),
      run(['grants', 'list', '--json']),
      run(['clients', 'list']),
      run(['clients', 'list', '--json']),
      run(['keys', 'list']),
      run(['keys', 'list', '--json']),
      run(['audit', '--limit', '100']),
      run(['audit', '--limit', '100', '--json']),
    ]);
    const local = (iso: string) => localIn(KOLKATA, Date.parse(iso));

    assert.match(users.stdout, new RegExp(`^alice +${local(alice.created)}\\s*$`, 'm'));
    const grant = json(grantsJson)[0] as { id: string; user: string; created: string; last_used: string };
    assert.match(
      grants.stdout,
      new RegExp(`^${grant.id} +${ADMIN.username} +Claude +mcp:tools mcp:resources mcp:prompts +${local(grant.created)} +${local(grant.last_used)}$`, 'm'),
    );
    const client = json(clientsJson)[0] as { client_id: string; created: string };
    assert.match(clients.stdout, new RegExp(`^${client.client_id} +dynamic +Claude +client_secret_post +${local(client.created)}$`, 'm'));
    const key = json(keysJson)[0] as { kid: string; created: string; signs_from: string };
    assert.match(keys.stdout, new RegExp(`^${key.kid} +signing +${local(key.created)} +${local(key.signs_from)}$`, 'm'));
    const event = (json(auditJson) as { type: string; at: number; userId?: string; username?: string }[]).find((e) => e.type === 'user.created')!;
    assert.equal(event.userId, alice.id);
    assert.equal(event.username, 'alice');
    assert.match(audit.stdout, new RegExp(`^${localIn(KOLKATA, event.at)} +user\\.created +alice +\\{`, 'm'));

    for (const table of [users, grants, clients, keys, audit]) {
      assert.equal(table.code, 0, table.stderr);
      assert.doesNotMatch(table.stdout, /\d{4}-\d\d-\d\dT\d\d:\d\d/, 'no ISO time in a table');
    }
  });

  it('name users by username, not id, in every table, audit included', async () => {
    const admin = (await gh.gatehouse.storage.users.findByUsername(ADMIN.username))!;
    const alice = (await gh.gatehouse.storage.users.findByUsername('alice'))!;
    const [users, grants, audit, byUser] = await Promise.all([
      run(['users', 'list']),
      run(['grants', 'list']),
      run(['audit', '--limit', '100']),
      run(['audit', '--user', 'alice', '--limit', '100']),
    ]);
    assert.match(users.stdout, /^USERNAME +CREATED +DISABLED +IDENTITIES\n/);
    assert.match(audit.stdout, new RegExp(`^\\S+ \\S+ +login\\.succeeded +${ADMIN.username} +`, 'm'));
    assert.match(audit.stdout, /^\S+ \S+ +consent\.approved +admin +\S+ +127\.0\.0\.1 /m);
    for (const table of [users, grants, audit]) {
      assert.equal(table.code, 0, table.stderr);
      for (const id of [admin.id, alice.id]) assert.ok(!table.stdout.includes(id), `no user id in:\n${table.stdout}`);
    }
    const lines = byUser.stdout.trim().split('\n').slice(1);
    assert.ok(lines.length >= 1);
    assert.ok(
      lines.every((line) => / user\.created +alice /.test(line)),
      `--user takes a username:\n${byUser.stdout}`,
    );
  });
});
