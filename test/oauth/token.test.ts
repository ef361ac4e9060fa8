// The token endpoint: code exchange with PKCE, client authentication, refresh rotation with its grace window, and
// the standard refusal for every bad input.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { signInAndDecide } from '../helpers/browser.js';
import { CLAUDE_REGISTRATION, startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { authorizationUrl, codeExchange, mcpPost, obtainTokens, pkce, registerClient, tokenRequest, type RegisteredClient } from '../helpers/oauth.js';

/** Runs authorization up to the code, without exchanging it. */
async function authorizedCode(gh: TestGatehouse, client: RegisteredClient, extra: Record<string, string | undefined> = {}) {
  const { verifier, challenge } = pkce();
  const redirect = await signInAndDecide(authorizationUrl(gh, client, { code_challenge: challenge, code_challenge_method: 'S256', ...extra }));
  return { code: redirect.searchParams.get('code')!, verifier };
}

async function assertError(response: Response, status: number, error: string) {
  assert.equal(response.status, status);
  assert.equal(response.headers.get('cache-control'), 'no-store');
  const body = await response.json();
  assert.equal(body.error, error, body.error_description);
  assert.equal(typeof body.error_description, 'string');
}

const callWhoami = (gh: TestGatehouse, token: string) =>
  mcpPost(gh.mcpUrl, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: {} } }, token);

describe('token endpoint: authorization_code', () => {
  let gh: TestGatehouse;
  let client: RegisteredClient;
  before(async () => {
    gh = await startGatehouse({ AUTH_CODE_TTL: '1' });
    client = await registerClient(gh);
  });
  after(() => gh.close());

  it('issues an RFC 9068 access token bound to the resource, and an opaque refresh token', async () => {
    const { code, verifier } = await authorizedCode(gh, client);
    const response = await tokenRequest(gh, codeExchange(client, code, verifier));
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    const tokens = await response.json();
    const header = decodeProtectedHeader(tokens.access_token);
    assert.equal(header.alg, 'ES256');
    assert.equal(header.typ, 'at+jwt');
    const jwks = await (await gh.fetch('/.well-known/jwks.json')).json();
    assert.equal(header.kid, jwks.keys[0].kid);
    const claims = decodeJwt(tokens.access_token);
    assert.equal(claims.iss, gh.baseUrl);
    assert.equal(claims.aud, gh.mcpUrl);
    assert.equal(claims.client_id, client.client_id);
    assert.equal(claims.scope, 'mcp:tools mcp:resources mcp:prompts');
    assert.equal(claims.exp! - claims.iat!, 3600);
    assert.equal(typeof claims.jti, 'string');
    assert.equal(typeof claims.sub, 'string');
    assert.equal(tokens.refresh_token.split('.').length, 1, 'the refresh token is opaque');
  });

  it('binds the code to the whole server when the request names no resource, so the token works at / and /mcp', async () => {
    const { code, verifier } = await authorizedCode(gh, client, { resource: undefined });
    const tokens = await (await tokenRequest(gh, codeExchange(client, code, verifier))).json();
    assert.equal(decodeJwt(tokens.access_token).aud, gh.baseUrl);
    for (const url of [gh.mcpUrl, `${gh.baseUrl}/`]) {
      const listed = await mcpPost(url, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, tokens.access_token);
      assert.equal(listed.status, 200, url);
    }
  });

  it('accepts a JSON body and client_secret_basic', async () => {
    const { code, verifier } = await authorizedCode(gh, client);
    const { client_id: _id, client_secret: _secret, ...params } = codeExchange(client, code, verifier);
    const basic = Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64');
    const response = await fetch(`${gh.baseUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${basic}` },
      body: JSON.stringify(params),
    });
    assert.equal(response.status, 200);
  });

  it('refuses a wrong PKCE verifier, and the code is spent', async () => {
    const { code, verifier } = await authorizedCode(gh, client);
    await assertError(await tokenRequest(gh, codeExchange(client, code, pkce().verifier)), 400, 'invalid_grant');
    await assertError(await tokenRequest(gh, codeExchange(client, code, verifier)), 400, 'invalid_grant');
  });

  it('refuses a missing verifier or redirect URI, and a different redirect URI', async () => {
    const { code, verifier } = await authorizedCode(gh, client);
    await assertError(await tokenRequest(gh, { ...codeExchange(client, code, verifier), code_verifier: undefined }), 400, 'invalid_request');
    await assertError(await tokenRequest(gh, { ...codeExchange(client, code, verifier), redirect_uri: undefined }), 400, 'invalid_request');
    await assertError(
      await tokenRequest(gh, { ...codeExchange(client, code, verifier), redirect_uri: 'https://claude.com/api/mcp/auth_callback' }),
      400,
      'invalid_grant',
    );
  });

  it('on a replayed code, refuses it and revokes the tokens the first exchange issued', async () => {
    const { code, verifier } = await authorizedCode(gh, client);
    const first = await (await tokenRequest(gh, codeExchange(client, code, verifier))).json();
    assert.equal((await callWhoami(gh, first.access_token)).status, 200);

    await assertError(await tokenRequest(gh, codeExchange(client, code, verifier)), 400, 'invalid_grant');
    assert.equal((await callWhoami(gh, first.access_token)).status, 401);
    const refresh = await tokenRequest(gh, {
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token,
      client_id: client.client_id,
      client_secret: client.client_secret,
    });
    await assertError(refresh, 400, 'invalid_grant');
  });

  it('refuses a code presented by another client without spending it', async () => {
    const other = await registerClient(gh, { ...CLAUDE_REGISTRATION, client_name: 'Another client' });
    const { code, verifier } = await authorizedCode(gh, client);
    await assertError(await tokenRequest(gh, { ...codeExchange(other, code, verifier), redirect_uri: client.redirect_uris[0] }), 400, 'invalid_grant');
    assert.equal((await tokenRequest(gh, codeExchange(client, code, verifier))).status, 200);
  });

  it('refuses an expired code', async () => {
    const { code, verifier } = await authorizedCode(gh, client);
    gh.clock.advance(1.1);
    await assertError(await tokenRequest(gh, codeExchange(client, code, verifier)), 400, 'invalid_grant');
  });

  it('refuses a resource other than the one the code is bound to', async () => {
    const { code, verifier } = await authorizedCode(gh, client);
    await assertError(await tokenRequest(gh, { ...codeExchange(client, code, verifier), resource: `${gh.baseUrl}/mcp/streamable` }), 400, 'invalid_target');
  });

  it('refuses a wrong or missing client secret with 401 invalid_client', async () => {
    const { code, verifier } = await authorizedCode(gh, client);
    await assertError(await tokenRequest(gh, { ...codeExchange(client, code, verifier), client_secret: 'wrong' }), 401, 'invalid_client');
    await assertError(await tokenRequest(gh, { ...codeExchange(client, code, verifier), client_secret: undefined }), 401, 'invalid_client');
    await assertError(
      await tokenRequest(gh, { ...codeExchange(client, code, verifier), client_id: undefined, client_secret: undefined }),
      401,
      'invalid_client',
    );
    const basic = await tokenRequest(
      gh,
      { ...codeExchange(client, code, verifier), client_id: undefined, client_secret: undefined },
      {
        authorization: `Basic ${Buffer.from(`${client.client_id}:wrong`).toString('base64')}`,
      },
    );
    assert.match(basic.headers.get('www-authenticate')!, /^Basic /);
    await assertError(basic, 401, 'invalid_client');
    // The failed attempts did not spend the code.
    assert.equal((await tokenRequest(gh, codeExchange(client, code, verifier))).status, 200);
  });

  it('answers malformed requests with a standard 400, never a 500', async () => {
    const cases: [RequestInit, string][] = [
      [{ headers: { 'content-type': 'application/json' }, body: '{"grant_type":' }, 'invalid_request'],
      [{ headers: { 'content-type': 'application/json' }, body: '["authorization_code"]' }, 'invalid_request'],
      [{ headers: { 'content-type': 'application/json' }, body: '{"grant_type":{"a":1}}' }, 'invalid_request'],
      [{ headers: { 'content-type': 'text/plain' }, body: 'grant_type=authorization_code' }, 'invalid_request'],
      [{ headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=a&grant_type=b' }, 'invalid_request'],
    ];
    for (const [init, error] of cases) {
      const response = await fetch(`${gh.baseUrl}/token`, { method: 'POST', ...init });
      await assertError(response, 400, error);
    }
    const unknownGrant = await tokenRequest(gh, { grant_type: 'password', client_id: client.client_id, client_secret: client.client_secret });
    await assertError(unknownGrant, 400, 'unsupported_grant_type');
    const garbageCode = await tokenRequest(gh, codeExchange(client, 'x'.repeat(5000), pkce().verifier));
    await assertError(garbageCode, 400, 'invalid_grant');
  });
});

describe('token endpoint: refresh_token rotation', () => {
  let gh: TestGatehouse;
  const refresh = (client: RegisteredClient, refreshToken: string, extra: Record<string, string> = {}) =>
    tokenRequest(gh, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: client.client_id, client_secret: client.client_secret, ...extra });

  before(async () => {
    gh = await startGatehouse({ REFRESH_TOKEN_GRACE: '2' });
  });
  after(() => gh.close());

  it('rotates the refresh token on every use', async () => {
    const { tokens, client } = await obtainTokens(gh);
    const response = await refresh(client, tokens.refresh_token);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    const next = await response.json();
    assert.notEqual(next.refresh_token, tokens.refresh_token);
    assert.equal(next.scope, tokens.scope);
    assert.equal((await callWhoami(gh, next.access_token)).status, 200);
    assert.equal((await refresh(client, next.refresh_token)).status, 200);
  });

  it('honours a retried refresh inside the grace window (Claude retries from another node)', async () => {
    const { tokens, client } = await obtainTokens(gh);
    const first = await (await refresh(client, tokens.refresh_token)).json();
    const retry = await refresh(client, tokens.refresh_token);
    assert.equal(retry.status, 200);
    const second = await retry.json();
    assert.equal((await refresh(client, first.refresh_token)).status, 200);
    assert.equal((await refresh(client, second.refresh_token)).status, 200);
  });

  it('after the grace window, treats reuse as theft and revokes the whole grant', async () => {
    const { tokens, client } = await obtainTokens(gh);
    const next = await (await refresh(client, tokens.refresh_token)).json();
    gh.clock.advance(2.2);
    await assertError(await refresh(client, tokens.refresh_token), 400, 'invalid_grant');
    await assertError(await refresh(client, next.refresh_token), 400, 'invalid_grant');
    assert.equal((await callWhoami(gh, next.access_token)).status, 401);
  });

  it('narrows scope on request but never widens it', async () => {
    const { tokens, client } = await obtainTokens(gh, { scope: 'mcp:tools mcp:resources' });
    const narrowed = await (await refresh(client, tokens.refresh_token, { scope: 'mcp:tools' })).json();
    assert.equal(narrowed.scope, 'mcp:tools');
    assert.equal(decodeJwt(narrowed.access_token).scope, 'mcp:tools');
    await assertError(await refresh(client, narrowed.refresh_token, { scope: 'mcp:tools mcp:prompts' }), 400, 'invalid_scope');
  });

  it('refuses a refresh token presented by another client, an unknown one, or for another resource', async () => {
    const { tokens, client } = await obtainTokens(gh);
    const other = await registerClient(gh, { ...CLAUDE_REGISTRATION, client_name: 'Another client' });
    await assertError(await refresh(other, tokens.refresh_token), 400, 'invalid_grant');
    await assertError(await refresh(client, 'not-a-token'), 400, 'invalid_grant');
    await assertError(await refresh(client, tokens.refresh_token, { resource: `${gh.baseUrl}/mcp/streamable` }), 400, 'invalid_target');
    assert.equal((await refresh(client, tokens.refresh_token, { resource: gh.mcpUrl })).status, 200);
  });

  it('refuses refresh to a client that did not register the refresh_token grant', async () => {
    const client = await registerClient(gh, {
      redirect_uris: ['https://app.example/cb'],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code'],
    });
    const { tokens } = await obtainTokens(gh, { client });
    assert.equal(tokens.refresh_token, undefined);
    await assertError(await refresh(client, 'anything'), 400, 'unauthorized_client');
  });
});
