// `gatehouse grants …` and `gatehouse clients show|remove` run as a process against the database of a running
// Gatehouse: grants are listed by user and client, and a grant revoked on the command line stops its tokens.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectRedis } from '../../src/cluster/redis.js';
import { fanOutRevocations } from '../../src/cluster/revocation-fanout.js';
import { createLogger } from '../../src/log.js';
import type { GrantsRepository } from '../../src/storage/grants.js';
import { assertRefused, cli, databaseLine, json } from '../helpers/cli.js';
import { onceOnly } from '../helpers/database.js';
import { ADMIN, CLAUDE_REGISTRATION, startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { mcpPost, obtainTokens, registerClient, tokenRequest, type RegisteredClient, type Tokens } from '../helpers/oauth.js';

interface ListedGrant {
  id: string;
  user: string;
  user_id: string;
  client_id: string;
  client_name: string | null;
  scopes: string[];
  resource: string;
  created: string;
  last_used: string;
  revoked: string | null;
}

describe('gatehouse grants and clients show', () => {
  let gh: TestGatehouse;
  let claude: { client: RegisteredClient; tokens: Tokens };
  let other: { client: RegisteredClient; tokens: Tokens };
  const run = (args: string[]) => cli(gh.databaseUrl, args);
  const whoami = (token: string) => mcpPost(gh.mcpUrl, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: {} } }, token);

  before(async () => {
    gh = await startGatehouse();
    claude = await obtainTokens(gh, { client: await registerClient(gh, { ...CLAUDE_REGISTRATION, client_name: 'Claude CLI test' }), scope: 'mcp:tools' });
    other = await obtainTokens(gh, { client: await registerClient(gh, { ...CLAUDE_REGISTRATION, client_name: 'Other app' }) });
  });
  after(() => gh.close());

  it('lists grants with user, client name and scopes, filtered by user and client; shows a client', async () => {
    const [all, table, byClient, byUser, show, showTable, unknownUser, unknownClient, unknownShow] = await Promise.all([
      run(['grants', 'list', '--json']),
      run(['grants', 'list']),
      run(['grants', 'list', '--client', claude.client.client_id, '--json']),
      run(['grants', 'list', '--user', ADMIN.username, '--json']),
      run(['clients', 'show', claude.client.client_id, '--json']),
      run(['clients', 'show', claude.client.client_id]),
      run(['grants', 'list', '--user', 'nobody']),
      run(['grants', 'list', '--client', 'no-such-client']),
      run(['clients', 'show', 'no-such-client']),
    ]);
    const grants = json(all) as ListedGrant[];
    assert.equal(grants.length, 2);
    assert.deepEqual(
      grants.map((grant) => grant.client_name),
      ['Other app', 'Claude CLI test'],
      'newest first',
    );
    const grant = grants[1]!;
    assert.equal(grant.user, ADMIN.username);
    assert.equal(grant.client_id, claude.client.client_id);
    assert.deepEqual(grant.scopes, ['mcp:tools']);
    assert.equal(grant.resource, gh.mcpUrl);
    assert.equal(grant.revoked, null);
    assert.ok(Date.parse(grant.last_used) >= Date.parse(grant.created));
    assert.match(table.stdout, /^ID\s+USER\s+CLIENT\s+SCOPES\s+CREATED\s+LAST_USED\n/);
    assert.match(table.stdout, /admin\s+Claude CLI test\s+mcp:tools/);
    assert.deepEqual(
      (json(byClient) as ListedGrant[]).map((g) => g.id),
      [grant.id],
    );
    assert.equal((json(byUser) as ListedGrant[]).length, 2);

    const shown = json(show);
    assert.equal(shown.client_id, claude.client.client_id);
    assert.equal(shown.kind, 'dynamic');
    assert.equal(shown.active_grants, 1);
    assert.equal(shown.has_secret, true);
    assert.equal(shown.metadata.client_name, 'Claude CLI test');
    assert.deepEqual(shown.metadata.redirect_uris, CLAUDE_REGISTRATION.redirect_uris);
    assert.ok(!show.stdout.includes(claude.client.client_secret!));
    assert.match(showTable.stdout, /^client_id\s+\S+\nkind\s+dynamic\n/);
    assert.match(showTable.stdout, /^active_grants\s+1$/m);
    assert.match(showTable.stdout, /^client_name\s+Claude CLI test$/m);

    assertRefused(unknownUser, /no user nobody/);
    assertRefused(unknownClient, /no client no-such-client/);
    assertRefused(unknownShow, /no client no-such-client/);
  });

  it('revokes a grant: the running server refuses its tokens, and only its tokens', async () => {
    const grantId = (await gh.gatehouse.storage.grants.list({ clientId: claude.client.client_id }))[0]!.id;
    assert.equal((await whoami(claude.tokens.access_token)).status, 200);

    const revoked = await run(['grants', 'revoke', grantId]);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.equal(revoked.stdout, `Revoked grant ${grantId}\n`);

    // Another process revoked it: the server learns of it from its database poll (every 2 s).
    const deadline = Date.now() + 5000;
    while ((await whoami(claude.tokens.access_token)).status !== 401) {
      assert.ok(Date.now() < deadline, 'the access token is refused within 5 s');
      await sleep(100);
    }
    const refresh = await tokenRequest(gh, {
      grant_type: 'refresh_token',
      refresh_token: claude.tokens.refresh_token,
      client_id: claude.client.client_id,
      client_secret: claude.client.client_secret,
    });
    assert.equal(refresh.status, 400);
    assert.equal((await refresh.json()).error, 'invalid_grant');
    assert.equal((await whoami(other.tokens.access_token)).status, 200);
    const [event] = await gh.gatehouse.storage.audit.list({ limit: 1, type: 'grant.revoked' });
    assert.deepEqual(event!.detail, { grantId, reason: 'revoked from the command line' });
    assert.equal(event!.clientId, claude.client.client_id);

    const [active, all, again, unknown, show] = await Promise.all([
      run(['grants', 'list', '--json']),
      run(['grants', 'list', '--all', '--client', claude.client.client_id, '--json']),
      run(['grants', 'revoke', grantId]),
      run(['grants', 'revoke', 'no-such-grant']),
      run(['clients', 'show', claude.client.client_id, '--json']),
    ]);
    assert.ok(!(json(active) as ListedGrant[]).some((g) => g.id === grantId), 'revoked grants are hidden by default');
    const listed = (json(all) as ListedGrant[]).find((g) => g.id === grantId)!;
    assert.ok(Date.parse(listed.revoked!) <= Date.now());
    assertRefused(again, new RegExp(`grant ${grantId} was already revoked at `));
    assertRefused(unknown, /no grant no-such-grant/);
    assert.equal(json(show).active_grants, 0);
  });

  it('removes a client, revoking its grants first so the running server refuses its tokens', async () => {
    assert.equal((await whoami(other.tokens.access_token)).status, 200);
    const removed = await run(['clients', 'remove', other.client.client_id]);
    assert.equal(removed.stdout, `Removed client ${other.client.client_id} and revoked its 1 grant\n`);
    // Refused at once, though the grant is gone from the database: the command waited for the server's poll.
    assert.equal((await whoami(other.tokens.access_token)).status, 401);
    assert.equal(await gh.gatehouse.storage.clients.find(other.client.client_id), undefined);
    const events = await gh.gatehouse.storage.audit.list({ limit: 2, clientId: other.client.client_id });
    assert.deepEqual(events.map((event) => [event.type, event.detail!.reason ?? event.detail!.grantsRevoked]).sort(), [
      ['client.deleted', 1],
      ['grant.revoked', 'client removed from the command line'],
    ]);
  });
});

describe('gatehouse grants revoke with REDIS_URL', { skip: onceOnly || (!process.env.TEST_REDIS_URL && 'set TEST_REDIS_URL to run this test') }, () => {
  it('announces the revocation on the channel instances listen on, and still revokes when Redis is away', async () => {
    const gh = await startGatehouse();
    const prefix = `gatehouse-cli-test-${randomBytes(4).toString('hex')}:`;
    const redis = await connectRedis(process.env.TEST_REDIS_URL!, prefix, createLogger('silent'), 'test');
    const heard: string[] = [];
    // What every instance runs; its own revocations are not under test here.
    const noLocalRevocations = { onRevoke: () => () => undefined } as unknown as GrantsRepository;
    const stop = await fanOutRevocations(noLocalRevocations, redis, (grantId) => heard.push(grantId));
    try {
      await obtainTokens(gh);
      await obtainTokens(gh);
      const [first, second] = await gh.gatehouse.storage.grants.list();
      const env = { REDIS_URL: process.env.TEST_REDIS_URL!, REDIS_PREFIX: prefix };
      const announced = await cli(gh.databaseUrl, ['grants', 'revoke', first!.id], { env });
      assert.equal(announced.code, 0, announced.stderr);
      assert.equal(announced.stderr, databaseLine(gh.databaseUrl));
      const deadline = Date.now() + 2000;
      while (!heard.includes(first!.id)) {
        assert.ok(Date.now() < deadline, 'the revocation was announced');
        await sleep(20);
      }

      const unreachable = await cli(gh.databaseUrl, ['grants', 'revoke', second!.id], { env: { REDIS_URL: 'redis://127.0.0.1:1', REDIS_PREFIX: prefix } });
      assert.equal(unreachable.code, 0);
      assert.equal(unreachable.stderr.split('\n')[0] + '\n', databaseLine(gh.databaseUrl));
      assert.match(unreachable.stderr, /\ngatehouse: could not announce the revocation over Redis .*; instances will see it within seconds\n$/);
      assert.notEqual((await gh.gatehouse.storage.grants.find(second!.id))!.revokedAt, null);
    } finally {
      stop();
      await redis.close();
      await gh.close();
    }
  });
});
