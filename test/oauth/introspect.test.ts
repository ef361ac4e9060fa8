// RFC 7662 introspection: for authenticated clients, about their own tokens (or any token for the configured
// resource servers); everything unknown, expired, revoked or foreign is {"active": false}.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CLAUDE_REGISTRATION, startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { obtainTokens, registerClient, type RegisteredClient } from '../helpers/oauth.js';

describe('token introspection', () => {
  let gh: TestGatehouse;
  const RS = { id: 'resource-server', secret: 'resource-server-secret-0123' };
  const introspect = (auth: { client_id: string; client_secret?: string | undefined }, token: string, hint?: string) =>
    fetch(`${gh.baseUrl}/introspect`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token, ...auth, ...(hint && { token_type_hint: hint }) } as Record<string, string>),
    });

  before(async () => {
    gh = await startGatehouse({ INTROSPECTION_CLIENTS: RS.id });
    await gh.gatehouse.storage.clients.put(
      {
        clientId: RS.id,
        kind: 'preregistered',
        secretHash: (await import('../../src/crypto.js')).sha256(RS.secret),
        metadata: {
          redirect_uris: ['https://rs.example/cb'],
          token_endpoint_auth_method: 'client_secret_post',
          grant_types: ['authorization_code'],
          response_types: ['code'],
        },
      },
      Date.now(),
    );
  });
  after(() => gh.close());

  it('is advertised, for authenticating clients only', async () => {
    const metadata = await (await gh.fetch('/.well-known/oauth-authorization-server')).json();
    assert.equal(metadata.introspection_endpoint, `${gh.baseUrl}/introspect`);
    assert.ok(!metadata.introspection_endpoint_auth_methods_supported.includes('none'));
  });

  it("describes a client's own access and refresh tokens, and nothing of other clients' tokens", async () => {
    const { tokens, client } = await obtainTokens(gh);
    const own = { client_id: client.client_id, client_secret: client.client_secret };
    const access = await (await introspect(own, tokens.access_token)).json();
    assert.equal(access.active, true);
    assert.equal(access.client_id, client.client_id);
    assert.equal(access.username, 'admin');
    assert.equal(access.aud, gh.mcpUrl);
    assert.equal(access.scope, 'mcp:tools mcp:resources mcp:prompts');
    const refresh = await (await introspect(own, tokens.refresh_token, 'refresh_token')).json();
    assert.equal(refresh.active, true);
    assert.equal(refresh.token_type, 'refresh_token');

    const other: RegisteredClient = await registerClient(gh, { ...CLAUDE_REGISTRATION, client_name: 'Nosy' });
    assert.deepEqual(await (await introspect({ client_id: other.client_id, client_secret: other.client_secret }, tokens.access_token)).json(), {
      active: false,
    });
    const rs = await (await introspect({ client_id: RS.id, client_secret: RS.secret }, tokens.access_token)).json();
    assert.equal(rs.active, true, 'a configured resource server sees every token');
  });

  it('answers {"active": false} for unknown and revoked tokens, and refuses unauthenticated callers', async () => {
    const { tokens, client } = await obtainTokens(gh);
    const own = { client_id: client.client_id, client_secret: client.client_secret };
    assert.deepEqual(await (await introspect(own, 'not-a-token')).json(), { active: false });
    await fetch(`${gh.baseUrl}/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: tokens.refresh_token, ...own } as Record<string, string>),
    });
    assert.deepEqual(await (await introspect(own, tokens.access_token)).json(), { active: false });
    assert.deepEqual(await (await introspect(own, tokens.refresh_token)).json(), { active: false });

    const wrongSecret = await introspect({ client_id: client.client_id, client_secret: 'wrong' }, tokens.access_token);
    assert.equal(wrongSecret.status, 401);
    const publicClient = await registerClient(gh, { redirect_uris: ['http://127.0.0.1:9/cb'], token_endpoint_auth_method: 'none', client_name: 'Public' });
    const refused = await introspect({ client_id: publicClient.client_id }, tokens.access_token);
    assert.equal(refused.status, 401);
    assert.equal((await refused.json()).error, 'invalid_client');
  });
});
