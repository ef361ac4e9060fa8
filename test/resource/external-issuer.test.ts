// AUTH_MODE=external: Gatehouse is only the protected resource, trusting tokens from a real OpenID provider
// (oidc-provider on 127.0.0.1) issued with resource indicators for the MCP endpoint.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { generateKeyPair, importJWK, SignJWT, type JWTPayload } from 'jose';
import { Browser } from '../helpers/browser.js';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { callTool, jsonRpcResult } from '../helpers/oauth.js';
import { INTROSPECTOR, providerAccessToken, startOidcProvider, type TestProvider } from '../helpers/oidc-provider.js';

describe('behind an external authorization server', () => {
  let idp: TestProvider;
  let gh: TestGatehouse;
  const OTHER_RESOURCE = 'https://other.example/mcp';

  before(async () => {
    idp = await startOidcProvider();
    gh = await startGatehouse({ AUTH_MODE: 'external', EXTERNAL_ISSUER: idp.issuer });
    await idp.configure({ jwtResources: [gh.mcpUrl, OTHER_RESOURCE] });
  });
  after(async () => {
    await gh?.close();
    await idp?.close();
  });

  const token = (login: string, resource = gh.mcpUrl, scope?: string) => providerAccessToken(new Browser(), idp, login, resource, scope);

  /** A token signed with the provider's current key (or `key`), for claims the provider itself would not issue. */
  async function forged(claims: JWTPayload, key?: CryptoKey, kid = idp.keys[0]!.kid!) {
    const signingKey = key ?? ((await importJWK(idp.keys[0]!, 'ES256')) as CryptoKey);
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ iss: idp.issuer, sub: 'alice', aud: gh.mcpUrl, scope: 'mcp:tools', iat: now, exp: now + 300, ...claims })
      .setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt' })
      .sign(signingKey);
  }

  async function refusal(accessToken: string) {
    const response = await callTool(gh.mcpUrl, accessToken, 'whoami');
    const body = await response.json();
    return { status: response.status, description: String(body.error_description), challenge: response.headers.get('www-authenticate') ?? '' };
  }

  it('names the external issuer in its metadata and serves no authorization server of its own', async () => {
    const metadata = await (await gh.fetch('/.well-known/oauth-protected-resource/mcp')).json();
    assert.deepEqual(metadata.authorization_servers, [idp.issuer]);
    assert.equal(metadata.resource, gh.mcpUrl);
    for (const path of ['/.well-known/oauth-authorization-server', '/authorize', '/token', '/register', '/login', '/.well-known/jwks.json']) {
      assert.equal((await gh.fetch(path)).status, 404, path);
    }
    const challenge = (await gh.fetch('/mcp', { method: 'POST' })).headers.get('www-authenticate')!;
    assert.match(challenge, /resource_metadata="[^"]+\/\.well-known\/oauth-protected-resource\/mcp"/);
  });

  it('accepts the provider’s token for the MCP endpoint, as its user with its scopes', async () => {
    const accessToken = await token('alice');
    const response = await callTool(gh.mcpUrl, accessToken, 'whoami');
    assert.equal(response.status, 200);
    const whoami = (await jsonRpcResult(response)).result.structuredContent;
    assert.equal(whoami.username, 'alice');
    assert.equal(whoami.client_id, 'mcp-client');
    assert.deepEqual([...whoami.scopes].sort(), ['mcp:prompts', 'mcp:resources', 'mcp:tools']);
    const identity = await gh.gatehouse.storage.db.selectFrom('user_identities').selectAll().where('subject', '=', 'alice').executeTakeFirstOrThrow();
    assert.equal(identity.issuer, idp.issuer);

    // The same person's notes are theirs across tokens.
    await callTool(gh.mcpUrl, accessToken, 'notes_create', { title: 'from the provider', body: 'hello' });
    const listed = await jsonRpcResult(await callTool(gh.mcpUrl, await token('alice'), 'notes_list'));
    assert.deepEqual(
      listed.result.structuredContent.notes.map((note: { title: string }) => note.title),
      ['from the provider'],
    );
  });

  it('answers 403 insufficient_scope, in the provider’s scope names, when the token lacks the scope', async () => {
    const accessToken = await token('alice', gh.mcpUrl, 'openid mcp:resources');
    const { status, challenge } = await refusal(accessToken);
    assert.equal(status, 403);
    assert.match(challenge, /error="insufficient_scope"/);
    assert.match(challenge, /scope="mcp:tools"/);
  });

  it('refuses tokens for another audience, expired, from another issuer, or signed by an unknown key', async () => {
    const now = Math.floor(Date.now() / 1000);
    const { privateKey: strangerKey } = await generateKeyPair('ES256');
    const cases: [string, string, RegExp][] = [
      ['another audience', await token('alice', OTHER_RESOURCE), /another resource/],
      ['expired', await forged({ iat: now - 7200, exp: now - 3600 }), /expired/],
      ['another issuer', await forged({ iss: 'https://evil.example' }), /another server/],
      ['an unknown key', await forged({}, strangerKey, 'not-published'), /does not publish/],
      ['a known kid but another key', await forged({}, strangerKey), /not valid/],
      ['no subject', await forged({ sub: undefined }), /not valid/],
      ['not a JWT', 'opaque-token-without-introspection', /not a JWT/],
    ];
    for (const [name, accessToken, reason] of cases) {
      const { status, description, challenge } = await refusal(accessToken);
      assert.equal(status, 401, name);
      assert.match(description, reason, name);
      assert.match(challenge, /error="invalid_token"/, name);
    }
  });

  it('picks up a rotation of the provider’s signing key', async () => {
    await callTool(gh.mcpUrl, await token('alice'), 'whoami');
    await idp.rotateKeys();
    const rotated = await token('alice');
    // jose fetches the key set again for an unknown kid, at most once every 5 s.
    const deadline = Date.now() + 12_000;
    let status: number;
    while ((status = (await callTool(gh.mcpUrl, rotated, 'whoami')).status) !== 200 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(status, 200, 'the token signed by the new key is accepted');
  });
});

describe('behind an external authorization server, with opaque tokens', () => {
  let idp: TestProvider;
  let gh: TestGatehouse;

  before(async () => {
    idp = await startOidcProvider();
    gh = await startGatehouse({
      AUTH_MODE: 'external',
      EXTERNAL_ISSUER: idp.issuer,
      EXTERNAL_INTROSPECTION_URL: `${idp.issuer}/token/introspection`,
      EXTERNAL_CLIENT_ID: INTROSPECTOR.clientId,
      EXTERNAL_CLIENT_SECRET: INTROSPECTOR.clientSecret,
    });
    await idp.configure({ jwtResources: [] });
  });
  after(async () => {
    await gh?.close();
    await idp?.close();
  });

  it('checks an opaque token by introspection', async () => {
    const accessToken = await providerAccessToken(new Browser(), idp, 'bob', gh.mcpUrl);
    assert.equal(accessToken.split('.').length, 1, 'the provider issued an opaque token');
    const response = await callTool(gh.mcpUrl, accessToken, 'whoami');
    assert.equal(response.status, 200);
    assert.equal((await jsonRpcResult(response)).result.structuredContent.username, 'bob');
    assert.equal((await callTool(gh.mcpUrl, `${accessToken}x`, 'whoami')).status, 401, 'an unknown token is inactive');
  });
});

describe('behind an external authorization server that cannot be reached', () => {
  let gh: TestGatehouse;
  before(async () => {
    gh = await startGatehouse({ AUTH_MODE: 'external', EXTERNAL_ISSUER: 'http://127.0.0.1:9/unreachable' });
  });
  after(() => gh?.close());

  it('answers 503 with Retry-After, not 401: the token may well be good', async () => {
    const now = Math.floor(Date.now() / 1000);
    const { privateKey } = await generateKeyPair('ES256');
    const accessToken = await new SignJWT({ iss: 'http://127.0.0.1:9/unreachable', sub: 'x', aud: gh.mcpUrl, exp: now + 60 })
      .setProtectedHeader({ alg: 'ES256', kid: 'k' })
      .sign(privateKey);
    const response = await callTool(gh.mcpUrl, accessToken, 'whoami');
    assert.equal(response.status, 503);
    assert.equal(response.headers.get('retry-after'), '5');
    assert.equal((await gh.fetch('/healthz')).status, 200);
  });
});
