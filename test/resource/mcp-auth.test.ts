// The MCP endpoint as a protected resource: challenges, token checks (signature, type, issuer, audience, expiry),
// scope per method and browser origins.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createHmac } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { KeyStore } from '../../src/keys/key-store.js';
import { startGatehouse, TEST_JWT_SECRET, type TestGatehouse } from '../helpers/gatehouse.js';
import { jsonRpcResult, mcpPost, obtainTokens, type Tokens } from '../helpers/oauth.js';

const ALL_SCOPES = 'mcp:tools mcp:resources mcp:prompts';
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('MCP endpoint authentication and authorization', () => {
  let gh: TestGatehouse;
  let tokens: Tokens;
  let claims: Record<string, unknown>;
  const listTools = (token: string | undefined, url = gh.mcpUrl, headers: Record<string, string> = {}) =>
    mcpPost(url, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, token, headers);

  async function assertInvalidToken(token: string, reason: RegExp, url = gh.mcpUrl) {
    const response = await listTools(token, url);
    assert.equal(response.status, 401);
    const header = response.headers.get('www-authenticate')!;
    assert.match(header, /^Bearer error="invalid_token"/);
    assert.match(header, reason);
    assert.match(header, /resource_metadata="http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource\/mcp/);
    assert.equal((await response.json()).error, 'invalid_token');
  }

  before(async () => {
    gh = await startGatehouse();
    ({ tokens } = await obtainTokens(gh));
    claims = JSON.parse(Buffer.from(tokens.access_token.split('.')[1]!, 'base64url').toString());
  });
  after(() => gh.close());

  it('challenges a request without a token with resource_metadata and every scope, and no error code', async () => {
    const response = await listTools(undefined);
    assert.equal(response.status, 401);
    assert.equal(
      response.headers.get('www-authenticate'),
      `Bearer resource_metadata="${gh.baseUrl}/.well-known/oauth-protected-resource/mcp", scope="${ALL_SCOPES}"`,
    );
    const alias = await listTools(undefined, `${gh.baseUrl}/mcp/streamable`);
    assert.match(alias.headers.get('www-authenticate')!, /oauth-protected-resource\/mcp\/streamable"/);
    const get = await fetch(gh.mcpUrl, { headers: { accept: 'text/event-stream' } });
    assert.equal(get.status, 401);
  });

  it('accepts the token it issued', async () => {
    const response = await listTools(tokens.access_token);
    assert.equal(response.status, 200);
    assert.ok((await jsonRpcResult(response)).result.tools.length > 0);
  });

  it('refuses malformed tokens and non-Bearer schemes', async () => {
    await assertInvalidToken('not-a-jwt', /malformed/);
    await assertInvalidToken(tokens.access_token.slice(0, -4) + 'AAAA', /not valid/);
    const basic = await mcpPost(gh.mcpUrl, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, undefined, { authorization: 'Basic dXNlcjpwYXNz' });
    assert.equal(basic.status, 401);
  });

  it('refuses a token for another MCP endpoint (audience is exact, RFC 8707)', async () => {
    await assertInvalidToken(tokens.access_token, /another resource/, `${gh.baseUrl}/mcp/streamable`);
    const streamable = await obtainTokens(gh, { resource: `${gh.baseUrl}/mcp/streamable` });
    assert.equal((await listTools(streamable.tokens.access_token, `${gh.baseUrl}/mcp/streamable`)).status, 200);
    assert.equal((await listTools(streamable.tokens.access_token)).status, 401);
  });

  it('refuses alg "none", HS256 signed with the public key, and a key not in the JWKS', async () => {
    const kid = JSON.parse(Buffer.from(tokens.access_token.split('.')[0]!, 'base64url').toString()).kid;
    const none = `${b64({ alg: 'none', typ: 'at+jwt', kid })}.${b64(claims)}.`;
    await assertInvalidToken(none, /not valid/);

    const { keys } = await (await gh.fetch('/.well-known/jwks.json')).json();
    const signingInput = `${b64({ alg: 'HS256', typ: 'at+jwt', kid })}.${b64(claims)}`;
    const hs256 = `${signingInput}.${createHmac('sha256', JSON.stringify(keys[0])).update(signingInput).digest('base64url')}`;
    await assertInvalidToken(hs256, /not valid/);

    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const foreignKid = (await exportJWK(publicKey)).x!;
    for (const header of [
      { alg: 'ES256', typ: 'at+jwt', kid },
      { alg: 'ES256', typ: 'at+jwt', kid: foreignKid },
      { alg: 'ES256', typ: 'at+jwt' },
    ]) {
      const forged = await new SignJWT(claims).setProtectedHeader(header).sign(privateKey);
      await assertInvalidToken(forged, /not valid|no signing key/);
    }
  });

  it("refuses tokens signed by Gatehouse's key but for another issuer, of another type, or without required claims", async () => {
    const keys = await KeyStore.open(gh.gatehouse.storage.signingKeys, TEST_JWT_SECRET);
    await assertInvalidToken(await keys.sign({ ...claims, iss: 'https://evil.example' }, 'at+jwt'), /another server/);
    await assertInvalidToken(await keys.sign(claims, 'JWT'), /not valid/);
    const { grant_id: _omitted, ...withoutGrant } = claims;
    await assertInvalidToken(await keys.sign(withoutGrant, 'at+jwt'), /not valid/);
    assert.equal((await listTools(await keys.sign(claims, 'at+jwt'))).status, 200, 'the same claims, properly signed, pass');
  });

  it('refuses an expired token', async () => {
    const short = await startGatehouse({ ACCESS_TOKEN_TTL: '1' });
    try {
      const { tokens: brief } = await obtainTokens(short);
      assert.equal((await listTools(brief.access_token, short.mcpUrl)).status, 200);
      short.clock.advance(2.1);
      const response = await listTools(brief.access_token, short.mcpUrl);
      assert.equal(response.status, 401);
      assert.match(response.headers.get('www-authenticate')!, /the access token has expired/);
    } finally {
      await short.close();
    }
  });

  it('answers 403 insufficient_scope naming the scope a method needs', async () => {
    const { tokens: resourcesOnly } = await obtainTokens(gh, { scope: 'mcp:resources' });
    const refused = await listTools(resourcesOnly.access_token);
    assert.equal(refused.status, 403);
    assert.equal(
      refused.headers.get('www-authenticate'),
      `Bearer error="insufficient_scope", error_description="this request needs the mcp:tools scope", scope="mcp:tools", resource_metadata="${gh.baseUrl}/.well-known/oauth-protected-resource/mcp"`,
    );
    for (const method of ['tools/call', 'prompts/list', 'prompts/get']) {
      const response = await mcpPost(gh.mcpUrl, { jsonrpc: '2.0', id: 2, method, params: { name: 'whoami' } }, resourcesOnly.access_token);
      assert.equal(response.status, 403, method);
    }
    const batch = await mcpPost(
      gh.mcpUrl,
      [
        { jsonrpc: '2.0', id: 3, method: 'resources/list' },
        { jsonrpc: '2.0', id: 4, method: 'tools/list' },
      ],
      resourcesOnly.access_token,
    );
    assert.equal(batch.status, 403, 'one message of a batch needing a missing scope refuses the batch');
    const allowed = await mcpPost(gh.mcpUrl, { jsonrpc: '2.0', id: 5, method: 'resources/list' }, resourcesOnly.access_token);
    assert.equal(allowed.status, 200);
  });

  it('refuses browser requests from a foreign Origin, and serves the allowed ones with CORS', async () => {
    const foreign = await listTools(tokens.access_token, gh.mcpUrl, { origin: 'https://evil.example' });
    assert.equal(foreign.status, 403);
    assert.equal((await foreign.json()).error.code, -32000);

    const claude = await listTools(tokens.access_token, gh.mcpUrl, { origin: 'https://claude.ai' });
    assert.equal(claude.status, 200);
    assert.equal(claude.headers.get('access-control-allow-origin'), 'https://claude.ai');

    const preflight = await fetch(gh.mcpUrl, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://claude.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type, mcp-protocol-version',
      },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), 'https://claude.com');
    assert.match(preflight.headers.get('access-control-allow-headers')!.toLowerCase(), /authorization/);
    const challenged = await listTools(undefined, gh.mcpUrl, { origin: 'https://claude.ai' });
    assert.match(challenged.headers.get('access-control-expose-headers')!, /WWW-Authenticate/);
    assert.match(challenged.headers.get('access-control-expose-headers')!, /Mcp-Session-Id/);

    const evilPreflight = await fetch(gh.mcpUrl, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    assert.equal(evilPreflight.headers.get('access-control-allow-origin'), null);
  });

  it('refuses a POST that is not application/json with 415', async () => {
    const response = await fetch(gh.mcpUrl, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', accept: 'application/json, text/event-stream', authorization: `Bearer ${tokens.access_token}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    assert.equal(response.status, 415);
  });

  it('answers a body that is not JSON with a JSON-RPC parse error', async () => {
    const response = await fetch(gh.mcpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${tokens.access_token}` },
      body: '{"jsonrpc":',
    });
    assert.equal(response.status, 400);
    assert.equal((await response.json()).error.code, -32700);
  });
});
