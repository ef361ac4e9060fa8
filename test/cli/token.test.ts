// `gatehouse token` run as a process on the database of a running Gatehouse: the token it mints is one the server's
// own verifier accepts at /mcp, it belongs to a grant that revocation ends, it is audited, and it is refused for an
// unknown or disabled user and in production without --yes.
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { assertMisused, assertRefused, cli, databaseLine, json } from '../helpers/cli.js';
import { ADMIN, startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { jsonRpcResult, mcpPost } from '../helpers/oauth.js';

const CLI_CLIENT = 'gatehouse-cli';

describe('gatehouse token', () => {
  let gh: TestGatehouse;
  const run = (args: string[], env: Record<string, string> = {}) => cli(gh.databaseUrl, args, { env: { BASE_URL: gh.baseUrl, ...env } });
  const whoami = (token: string, url = gh.mcpUrl) =>
    mcpPost(url, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: {} } }, token);
  /** What minting would leave behind: the command line's grants and token.issued events. */
  const minted = async () => ({
    grants: (await gh.gatehouse.storage.grants.list({ clientId: CLI_CLIENT, includeRevoked: true })).length,
    events: (await gh.gatehouse.storage.audit.list({ limit: 1000, type: 'token.issued', clientId: CLI_CLIENT })).length,
  });

  before(async () => {
    gh = await startGatehouse();
  });
  after(() => gh.close());

  it("mints a token the running server accepts at /mcp, as the user, for the user's MCP scopes, for 15 minutes", async () => {
    const ran = await run(['token', '--user', ADMIN.username, '--json']);
    assert.equal(ran.stderr, databaseLine(gh.databaseUrl));
    const token = json(ran);
    assert.deepEqual(Object.keys(token), ['access_token', 'token_type', 'expires_in', 'scope', 'resource']);
    assert.deepEqual(
      { ...token, access_token: undefined },
      {
        access_token: undefined,
        token_type: 'Bearer',
        expires_in: 900,
        scope: 'mcp:tools mcp:resources mcp:prompts',
        resource: gh.mcpUrl,
      },
    );

    const listed = await mcpPost(gh.mcpUrl, { jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }, token.access_token);
    assert.equal(listed.status, 200);
    assert.ok((await jsonRpcResult(listed)).result.tools.some((tool: { name: string }) => tool.name === 'whoami'));
    const called = await whoami(token.access_token);
    assert.equal(called.status, 200);
    const me = (await jsonRpcResult(called)).result.structuredContent;
    const admin = (await gh.gatehouse.storage.users.findByUsername(ADMIN.username))!;
    assert.deepEqual(me, { id: admin.id, username: ADMIN.username, client_id: CLI_CLIENT, scopes: ['mcp:tools', 'mcp:resources', 'mcp:prompts'] });

    const claims = decodeJwt(token.access_token);
    assert.equal(claims.exp! - claims.iat!, 900);
    assert.equal(claims.aud, gh.mcpUrl);
    assert.equal(claims.iss, gh.baseUrl);
  });

  it('prints the token alone on stdout without --json, and audits who it was for and which operator action made it', async () => {
    const ran = await run(['token', '--user', ADMIN.username, '--scope', 'mcp:tools', '--ttl', '5m']);
    assert.equal(ran.code, 0, ran.stderr);
    assert.match(ran.stdout, /^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const accessToken = ran.stdout.trim();
    const [databaseSaid, said] = ran.stderr.split('\n');
    assert.equal(`${databaseSaid}\n`, databaseLine(gh.databaseUrl));
    const claims = decodeJwt(accessToken);
    assert.equal(claims.exp! - claims.iat!, 300);
    assert.equal(claims.scope, 'mcp:tools');
    assert.match(
      said!,
      new RegExp(
        `^Access token for admin at ${gh.mcpUrl} \\(mcp:tools\\), valid until \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d; end it with \`gatehouse grants revoke ${claims.grant_id}\`$`,
      ),
    );
    assert.equal((await whoami(accessToken)).status, 200);

    const admin = (await gh.gatehouse.storage.users.findByUsername(ADMIN.username))!;
    const [event] = await gh.gatehouse.storage.audit.list({ limit: 1, type: 'token.issued' });
    assert.equal(event!.userId, admin.id);
    assert.equal(event!.clientId, CLI_CLIENT);
    assert.deepEqual(
      { ...event!.detail, operator: undefined },
      {
        grantType: 'command_line',
        via: 'gatehouse token',
        operator: undefined,
        grantId: claims.grant_id,
        scope: 'mcp:tools',
        resource: gh.mcpUrl,
        expiresIn: 300,
      },
    );
    const table = await run(['audit', '--type', 'token.issued', '--limit', '1']);
    assert.match(table.stdout, /^\S+ \S+ +token\.issued +admin +gatehouse-cli +/m);
  });

  it('belongs to a grant of its own: revoking it (grants revoke) ends the token on the running server', async () => {
    const token = json(await run(['token', '--user', ADMIN.username, '--json']));
    assert.equal((await whoami(token.access_token)).status, 200);
    const grantId = String(decodeJwt(token.access_token).grant_id);
    const grant = (await gh.gatehouse.storage.grants.find(grantId))!;
    assert.deepEqual([grant.clientId, grant.scope, grant.resource, grant.revokedAt], [CLI_CLIENT, token.scope, gh.mcpUrl, null]);

    const revoked = await run(['grants', 'revoke', grantId]);
    assert.equal(revoked.code, 0, revoked.stderr);
    // Another process revoked it: the server learns of it from its database poll (every 2 s).
    const deadline = Date.now() + 5000;
    while ((await whoami(token.access_token)).status !== 401) {
      assert.ok(Date.now() < deadline, 'the token is refused within 5 s');
      await sleep(100);
    }
  });

  it('takes another MCP endpoint as --resource, and refuses one that is not this server’s', async () => {
    const token = json(await run(['token', '--user', ADMIN.username, '--resource', gh.baseUrl, '--json']));
    assert.equal(token.resource, gh.baseUrl);
    assert.equal((await whoami(token.access_token, `${gh.baseUrl}/mcp/streamable`)).status, 200, 'the origin names the whole server');
    const before = await minted();
    const [elsewhere, tooLong] = await Promise.all([
      run(['token', '--user', ADMIN.username, '--resource', 'https://evil.example/mcp']),
      run(['token', '--user', ADMIN.username, '--ttl', '2h']),
    ]);
    assertMisused(elsewhere, 'gatehouse token', new RegExp(`^--resource must be one of ${gh.baseUrl}, ${gh.mcpUrl}, `));
    assertMisused(tooLong, 'gatehouse token', /^--ttl must be at most 3600 seconds/);
    assert.deepEqual(await minted(), before);
  });

  it('refuses an unknown or disabled user, minting nothing', async () => {
    const before = await minted();
    const unknown = await run(['token', '--user', 'nobody']);
    assertRefused(unknown, /^gatehouse: no user nobody\n$/);
    assert.ok(unknown.stderr.startsWith(databaseLine(gh.databaseUrl)));
    assert.equal((await run(['users', 'add', 'carol', '--password', 'carol password 1'])).code, 0);
    assert.equal((await run(['users', 'disable', 'carol'])).code, 0);
    assertRefused(await run(['token', '--user', 'carol']), /^gatehouse: user carol is disabled: `gatehouse users enable carol` first\n$/);
    assert.deepEqual(await minted(), before);
  });

  it('is refused in production unless --yes is given', async () => {
    const before = await minted();
    const production = { NODE_ENV: 'production', BASE_URL: 'https://gatehouse.example' };
    const refused = await run(['token', '--user', ADMIN.username], production);
    assertRefused(refused, /^gatehouse: NODE_ENV=production: the token acts as admin for anyone who holds it; pass --yes to mint it\n$/);
    assert.equal(refused.stderr.includes('database:'), false, 'refused before the database is opened');
    assert.deepEqual(await minted(), before);

    const confirmed = json(await run(['token', '--user', ADMIN.username, '--yes', '--json'], production));
    assert.equal(confirmed.resource, 'https://gatehouse.example/mcp');
    assert.equal(decodeJwt(confirmed.access_token).iss, 'https://gatehouse.example');
    assert.deepEqual(await minted(), { grants: before.grants + 1, events: before.events + 1 });
  });
});
