// `gatehouse users …` run as a process against the database of a running Gatehouse: accounts made on the command
// line sign in, a changed password ends sessions, and a disabled user's tokens stop working without a restart.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Browser } from '../helpers/browser.js';
import { assertRefused, cli, json } from '../helpers/cli.js';
import { ADMIN, startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { mcpPost, obtainTokens, tokenRequest } from '../helpers/oauth.js';

async function eventually(check: () => Promise<boolean>, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
}

describe('gatehouse users', () => {
  let gh: TestGatehouse;
  const run = (args: string[], input?: string) => cli(gh.databaseUrl, args, { input });
  const whoami = (token: string) => mcpPost(gh.mcpUrl, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: {} } }, token);

  before(async () => {
    gh = await startGatehouse();
  });
  after(() => gh.close());

  it('adds users with a given or a generated password, who can then sign in; refuses duplicates and short passwords', async () => {
    const [given, generated] = await Promise.all([run(['users', 'add', 'alice', '--password', 'alice password 1', '--json']), run(['users', 'add', 'bob'])]);
    assert.equal(given.code, 0, given.stderr);
    const alice = json(given);
    assert.equal(alice.username, 'alice');
    assert.match(alice.id, /^[0-9a-f-]{36}$/);
    assert.equal(alice.password, undefined, 'a password that was given is not printed back');
    assert.equal(generated.code, 0, generated.stderr);
    const bobPassword = /^Password \(shown once\): (\S+)$/m.exec(generated.stdout)?.[1];
    assert.ok(bobPassword && bobPassword.length >= 20, generated.stdout);

    await obtainTokens(gh, { username: 'alice', password: 'alice password 1' });
    await obtainTokens(gh, { username: 'bob', password: bobPassword });
    const stored = await gh.gatehouse.storage.users.findByUsername('alice');
    assert.match(stored!.passwordHash, /^\$argon2id\$/);

    const [duplicate, short, blank] = await Promise.all([
      run(['users', 'add', 'alice', '--password', 'another password']),
      run(['users', 'add', 'carol', '--password', 'short']),
      run(['users', 'add', ' carol ', '--password', 'long enough password']),
    ]);
    assertRefused(duplicate, /a user alice already exists/);
    assertRefused(short, /the password must be at least 8 characters/);
    assertRefused(blank, /must not start or end with a space/);
    assert.equal(await gh.gatehouse.storage.users.findByUsername('carol'), undefined);
    const created = await gh.gatehouse.storage.audit.list({ limit: 10, type: 'user.created' });
    assert.deepEqual(created.map((event) => event.detail!.username).sort(), ['alice', 'bob']);
  });

  it('lists users with their upstream identities, as JSON and as a table', async () => {
    const user = await gh.gatehouse.storage.identities.resolve({
      issuer: 'https://idp.example',
      subject: 'sub-1',
      preferredUsername: 'dana',
      email: 'dana@example.com',
    });
    const [listed, table] = await Promise.all([run(['users', 'list', '--json']), run(['users', 'list'])]);
    const users = json(listed) as {
      id: string;
      username: string;
      created: string;
      disabled: string | null;
      identities: { issuer: string; email: string | null }[];
    }[];
    assert.deepEqual(users.map((u) => u.username).sort(), [ADMIN.username, 'alice', 'bob', 'dana']);
    assert.deepEqual([users[0]!.username, users[3]!.username], [ADMIN.username, 'dana'], 'oldest first');
    const dana = users.find((u) => u.username === 'dana')!;
    assert.equal(dana.id, user.id);
    assert.deepEqual(dana.identities, [{ issuer: 'https://idp.example', subject: 'sub-1', email: 'dana@example.com' }]);
    assert.deepEqual(users.find((u) => u.username === 'alice')!.identities, []);
    assert.equal(users[0]!.disabled, null);
    assert.ok(!Number.isNaN(Date.parse(users[0]!.created)));
    assert.match(table.stdout, /^USERNAME\s+CREATED\s+DISABLED\s+IDENTITIES\n/);
    assert.match(table.stdout, /dana .*https:\/\/idp\.example \(dana@example\.com\)/);
    assert.ok(!listed.stdout.includes('argon2'), 'no password hash is printed');
  });

  it("changes a password, ending the user's sessions; refuses an unknown user", async () => {
    const browser = new Browser();
    await obtainTokens(gh, { username: 'alice', password: 'alice password 1', browser });
    assert.equal((await browser.go(new URL('/account', gh.baseUrl))).url.pathname, '/account', 'signed in');
    const aliceId = (await gh.gatehouse.storage.users.findByUsername('alice'))!.id;
    const sessions = () => gh.gatehouse.storage.db.selectFrom('sessions').select('id_hash').where('user_id', '=', aliceId).execute();
    const sessionsBefore = (await sessions()).length;
    assert.ok(sessionsBefore >= 1);

    const [changed, unknown] = await Promise.all([
      run(['users', 'passwd', 'alice', '--password-stdin', '--json'], 'alice password 2\n'),
      run(['users', 'passwd', 'nobody']),
    ]);
    assert.equal(changed.code, 0, changed.stderr);
    assert.deepEqual(json(changed), { username: 'alice', sessions_ended: sessionsBefore });
    assert.deepEqual(await sessions(), []);
    assertRefused(unknown, /no user nobody/);

    assert.equal((await browser.go(new URL('/account', gh.baseUrl))).url.pathname, '/login', 'the session has ended');
    await assert.rejects(obtainTokens(gh, { username: 'alice', password: 'alice password 1' }), /expected the consent page, got \/login/);
    await obtainTokens(gh, { username: 'alice', password: 'alice password 2' });
    const [event] = await gh.gatehouse.storage.audit.list({ limit: 1, type: 'user.password_changed' });
    assert.equal(event!.userId, aliceId);
  });

  it('disables a user: their access tokens are refused by the running server, refresh fails, sign-in fails; enable undoes it', async () => {
    const reset = await run(['users', 'passwd', 'bob', '--password', 'bob password 1']);
    assert.match(reset.stdout, /^Changed the password of bob; \d+ sessions? ended\.\n$/);
    const { tokens, client } = await obtainTokens(gh, { username: 'bob', password: 'bob password 1' });
    await obtainTokens(gh, { username: 'bob', password: 'bob password 1', client });
    const other = await obtainTokens(gh); // the admin's, which must keep working
    assert.equal((await whoami(tokens.access_token)).status, 200);
    const bob = (await gh.gatehouse.storage.users.findByUsername('bob'))!;
    const activeBefore = (await gh.gatehouse.storage.grants.list({ userId: bob.id })).length;
    assert.ok(activeBefore >= 2, 'bob signed in twice');

    const disabled = await run(['users', 'disable', 'bob', '--json']);
    assert.equal(disabled.code, 0, disabled.stderr);
    const result = json(disabled);
    assert.equal(result.username, 'bob');
    assert.equal(result.already_disabled, false);
    assert.equal(result.grants_revoked, activeBefore);
    assert.ok(!Number.isNaN(Date.parse(result.disabled)));

    // Another process revoked the grants: the server learns of it from its database poll (every 2 s).
    assert.ok(await eventually(async () => (await whoami(tokens.access_token)).status === 401), 'the access token is refused within 5 s');
    const refresh = await tokenRequest(gh, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
      client_id: client.client_id,
      client_secret: client.client_secret,
    });
    assert.equal(refresh.status, 400);
    assert.equal((await refresh.json()).error, 'invalid_grant');
    await assert.rejects(obtainTokens(gh, { username: 'bob', password: 'bob password 1' }), /got \/login/);
    assert.equal((await whoami(other.tokens.access_token)).status, 200, 'other users keep their access');

    const [listed, again, revokedEvents] = await Promise.all([
      run(['users', 'list', '--json']),
      run(['users', 'disable', 'bob']),
      gh.gatehouse.storage.audit.list({ limit: 50, type: 'grant.revoked', userId: bob.id }),
    ]);
    assert.equal(json(listed).find((u: { username: string }) => u.username === 'bob').disabled, result.disabled);
    assert.equal(again.code, 0, 'disabling again is harmless');
    assert.match(again.stdout, /^Already disabled: bob; 0 grants revoked, 0 sessions ended\.$/m);
    assert.equal(revokedEvents.length, activeBefore);
    assert.ok(revokedEvents.every((event) => event.detail!.reason === 'user disabled from the command line'));

    const [enabled, notDisabled] = await Promise.all([run(['users', 'enable', 'bob']), run(['users', 'enable', 'alice'])]);
    assert.equal(enabled.stdout, 'Enabled bob\n');
    assertRefused(notDisabled, /user alice is not disabled/);
    await obtainTokens(gh, { username: 'bob', password: 'bob password 1' });
    assert.equal((await whoami(tokens.access_token)).status, 401, 'revoked grants stay revoked');
    const types = (await gh.gatehouse.storage.audit.list({ limit: 100, userId: bob.id })).map((event) => event.type);
    assert.ok(types.includes('user.disabled') && types.includes('user.enabled'));
  });
});
