// The audit trail: every security event of a connection is recorded with its user, client and address, without
// secrets, and `gatehouse audit` / `gatehouse keys` read and change it from the command line.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startGatehouse, TEST_JWT_SECRET, type TestGatehouse } from './helpers/gatehouse.js';
import { obtainTokens, tokenRequest } from './helpers/oauth.js';

describe('audit trail', () => {
  let gh: TestGatehouse;
  const cli = (args: string[]) =>
    promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', ...args], {
      env: { ...process.env, DATABASE_URL: gh.databaseUrl, JWT_SECRET: TEST_JWT_SECRET, LOG_LEVEL: 'silent' },
    });

  before(async () => {
    gh = await startGatehouse();
  });
  after(() => gh.close());

  it('records registration, sign-in, consent, token issue and revocation, with no secret', async () => {
    const { tokens, client } = await obtainTokens(gh);
    await tokenRequest(gh, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
      client_id: client.client_id,
      client_secret: client.client_secret,
    });
    await fetch(`${gh.baseUrl}/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: tokens.access_token, client_id: client.client_id, client_secret: client.client_secret! }),
    });
    const events = await gh.gatehouse.storage.audit.list({ limit: 50 });
    const types = events.map((event) => event.type).reverse();
    assert.deepEqual(types, ['client.registered', 'login.succeeded', 'consent.approved', 'token.issued', 'token.issued', 'grant.revoked']);
    const user = await gh.gatehouse.storage.users.findByUsername('admin');
    for (const event of events) {
      assert.equal(event.ip, '127.0.0.1', `${event.type} has the caller's address`);
      if (!['client.registered', 'grant.revoked'].includes(event.type)) assert.equal(event.userId, user!.id, `${event.type} names the user`);
      if (event.type !== 'login.succeeded') assert.equal(event.clientId, client.client_id, `${event.type} names the client`);
    }
    const dump = JSON.stringify(events);
    for (const secret of [tokens.access_token, tokens.refresh_token, client.client_secret!]) assert.ok(!dump.includes(secret));
  });

  it('lists events from the command line, filtered by type', async () => {
    const { stdout } = await cli(['audit', '--type', 'token.issued', '--json']);
    const events = JSON.parse(stdout);
    assert.ok(events.length >= 2);
    assert.ok(events.every((event: { type: string }) => event.type === 'token.issued'));
    const table = (await cli(['audit', '--limit', '3'])).stdout;
    assert.match(table, /^AT\s+TYPE\s+USER\s+CLIENT\s+IP\s+DETAIL/);
    await assert.rejects(cli(['audit', '--limit', 'lots']), /--limit must be a whole number/);
  });

  it('rotates keys from the command line, recording it, and the running server serves the new key', async () => {
    const { stdout } = await cli(['keys', 'rotate', '--activate-in', '15m', '--json']);
    const rotation = JSON.parse(stdout);
    await gh.gatehouse.keys.reload();
    const kids = ((await (await gh.fetch('/.well-known/jwks.json')).json()).keys as { kid: string }[]).map((key) => key.kid);
    assert.ok(kids.includes(rotation.kid));
    const listed = JSON.parse((await cli(['keys', 'list', '--json'])).stdout);
    assert.equal(listed.find((key: { kid: string }) => key.kid === rotation.kid).status, 'published, not signing yet');
    const rotated = await gh.gatehouse.storage.audit.list({ limit: 1, type: 'key.rotated' });
    assert.equal(rotated[0]!.detail!.kid, rotation.kid);
  });
});
