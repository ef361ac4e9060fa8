// RFC 7009 revocation: either token ends its grant, and the MCP endpoint refuses the access token at once.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CLAUDE_REGISTRATION, startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { mcpPost, obtainTokens, registerClient, tokenRequest, type RegisteredClient } from '../helpers/oauth.js';

describe('revocation', () => {
  let gh: TestGatehouse;
  const revoke = (client: RegisteredClient, token: string, hint?: string) =>
    fetch(`${gh.baseUrl}/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        token,
        client_id: client.client_id,
        ...(client.client_secret && { client_secret: client.client_secret }),
        ...(hint && { token_type_hint: hint }),
      }),
    });
  const whoami = (token: string) => mcpPost(gh.mcpUrl, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: {} } }, token);
  const refresh = (client: RegisteredClient, token: string) =>
    tokenRequest(gh, { grant_type: 'refresh_token', refresh_token: token, client_id: client.client_id, client_secret: client.client_secret });

  before(async () => {
    gh = await startGatehouse();
  });
  after(() => gh.close());

  it('revoking a refresh token ends its grant: refresh and access token both stop working', async () => {
    const { tokens, client } = await obtainTokens(gh);
    assert.equal((await whoami(tokens.access_token)).status, 200);
    const response = await revoke(client, tokens.refresh_token, 'refresh_token');
    assert.equal(response.status, 200);
    assert.equal((await refresh(client, tokens.refresh_token)).status, 400);
    const refused = await whoami(tokens.access_token);
    assert.equal(refused.status, 401);
    assert.match(refused.headers.get('www-authenticate')!, /error="invalid_token", error_description="the access token has been revoked"/);
  });

  it('revoking an access token makes the MCP endpoint refuse it immediately', async () => {
    const { tokens, client } = await obtainTokens(gh);
    assert.equal((await revoke(client, tokens.access_token, 'access_token')).status, 200);
    assert.equal((await whoami(tokens.access_token)).status, 401);
    assert.equal((await refresh(client, tokens.refresh_token)).status, 400);
  });

  it("answers 200 for unknown tokens and ignores another client's tokens", async () => {
    const { tokens } = await obtainTokens(gh);
    const stranger = await registerClient(gh, { ...CLAUDE_REGISTRATION, client_name: 'A stranger' });
    assert.equal((await revoke(stranger, 'no-such-token')).status, 200);
    assert.equal((await revoke(stranger, tokens.refresh_token)).status, 200);
    assert.equal((await revoke(stranger, tokens.access_token)).status, 200);
    assert.equal((await whoami(tokens.access_token)).status, 200, "a stranger cannot revoke someone else's grant");
  });

  it('requires client authentication and a token parameter', async () => {
    const { tokens, client } = await obtainTokens(gh);
    const wrongSecret = await revoke({ ...client, client_secret: 'wrong' }, tokens.refresh_token);
    assert.equal(wrongSecret.status, 401);
    assert.equal((await wrongSecret.json()).error, 'invalid_client');
    const noToken = await fetch(`${gh.baseUrl}/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: client.client_id, client_secret: client.client_secret! }),
    });
    assert.equal(noToken.status, 400);
    assert.equal((await noToken.json()).error, 'invalid_request');
    assert.equal((await whoami(tokens.access_token)).status, 200);
  });
});
