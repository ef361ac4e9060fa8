// What may register and how often: REGISTRATION modes, rate limits (per address and global, TRUST_PROXY), a client
// of its own for every registration, private-use schemes, and RFC 7592 management of a registered client.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signInAndDecide } from '../helpers/browser.js';
import { CLAUDE_REGISTRATION, startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { authorizationUrl, callTool, obtainTokens, pkce, registerClient } from '../helpers/oauth.js';

const register = (gh: TestGatehouse, body: object, headers: Record<string, string> = {}) =>
  fetch(`${gh.baseUrl}/register`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

describe('registration policy', () => {
  it('open (the default) accepts any valid redirect URI, including private-use schemes', async () => {
    const gh = await startGatehouse();
    try {
      const cursor = await registerClient(gh, {
        redirect_uris: ['cursor://anysphere.cursor-mcp/oauth/callback'],
        token_endpoint_auth_method: 'none',
        application_type: 'web',
        client_name: 'Cursor',
      });
      const callback = await signInAndDecide(authorizationUrl(gh, cursor, { code_challenge: pkce().challenge, code_challenge_method: 'S256' }));
      assert.equal(callback.protocol, 'cursor:');
      assert.equal(callback.host, 'anysphere.cursor-mcp');
      assert.ok(callback.searchParams.get('code'));
    } finally {
      await gh.close();
    }
  });

  it('allowlist accepts the configured redirect URIs and loopback, and explains a refusal', async () => {
    const gh = await startGatehouse({ REGISTRATION: 'allowlist' });
    try {
      assert.equal((await register(gh, CLAUDE_REGISTRATION)).status, 201);
      assert.equal(
        (await register(gh, { ...CLAUDE_REGISTRATION, client_name: 'ChatGPT', redirect_uris: ['https://chatgpt.com/connector_platform_oauth_redirect'] }))
          .status,
        201,
      );
      assert.equal((await register(gh, { redirect_uris: ['http://127.0.0.1:33418/cb'], token_endpoint_auth_method: 'none' })).status, 201);
      const refused = await register(gh, { ...CLAUDE_REGISTRATION, redirect_uris: ['https://evil.example/callback'] });
      assert.equal(refused.status, 400);
      const body = await refused.json();
      assert.equal(body.error, 'invalid_redirect_uri');
      assert.match(body.error_description, /REGISTRATION=allowlist/);
      assert.match(body.error_description, /https:\/\/claude\.ai\/api\/mcp\/auth_callback/);
    } finally {
      await gh.close();
    }
  });

  it('allowlist honours custom patterns with a trailing *', async () => {
    const gh = await startGatehouse({ REGISTRATION: 'allowlist', REGISTRATION_ALLOWED_REDIRECTS: 'https://apps.example.com/*' });
    try {
      assert.equal((await register(gh, { ...CLAUDE_REGISTRATION, client_name: 'An app', redirect_uris: ['https://apps.example.com/a/callback'] })).status, 201);
      assert.equal((await register(gh, CLAUDE_REGISTRATION)).status, 400);
    } finally {
      await gh.close();
    }
  });

  it('closed refuses every registration, stops advertising the endpoint, and still serves metadata documents', async () => {
    const gh = await startGatehouse({ REGISTRATION: 'closed' });
    try {
      const refused = await register(gh, CLAUDE_REGISTRATION);
      assert.equal(refused.status, 400);
      assert.match((await refused.json()).error_description, /REGISTRATION=closed/);
      const metadata = await (await gh.fetch('/.well-known/oauth-authorization-server')).json();
      assert.equal(metadata.registration_endpoint, undefined);
      const ok = await fetch(
        authorizationUrl(
          gh,
          { client_id: 'https://claude.ai/oauth/mcp-oauth-client-metadata', redirect_uris: ['https://claude.ai/api/mcp/auth_callback'] },
          { code_challenge: pkce().challenge, code_challenge_method: 'S256' },
        ),
        { redirect: 'manual' },
      );
      assert.equal(ok.status, 303);
    } finally {
      await gh.close();
    }
  });
});

describe('registration limits', () => {
  let gh: TestGatehouse;
  before(async () => {
    gh = await startGatehouse({ REGISTRATION_RATE_LIMIT: '3', REGISTRATION_RATE_LIMIT_GLOBAL: '6', TRUST_PROXY: '1' });
  });
  after(() => gh.close());

  it('gives every registration a client and secret of its own, even an identical one from the same address', async () => {
    // Claude's users share Anthropic's addresses and send the same body: answering a repeat with the earlier client
    // would hand one party another's secret and registration access token.
    const headers = { 'x-forwarded-for': '203.0.113.7' };
    const first = await (await register(gh, CLAUDE_REGISTRATION, headers)).json();
    const again = await (await register(gh, CLAUDE_REGISTRATION, headers)).json();
    assert.notEqual(again.client_id, first.client_id);
    assert.notEqual(again.client_secret, first.client_secret);
    assert.notEqual(again.registration_access_token, first.registration_access_token);
    const elsewhere = await (await register(gh, CLAUDE_REGISTRATION, { 'x-forwarded-for': '198.51.100.9' })).json();
    assert.notEqual(elsewhere.client_id, first.client_id);
  });

  it('limits registrations per address (from X-Forwarded-For behind TRUST_PROXY) and overall, with Retry-After', async () => {
    const headers = { 'x-forwarded-for': '192.0.2.1' };
    for (let i = 0; i < 3; i++) assert.equal((await register(gh, { ...CLAUDE_REGISTRATION, client_name: `n${i}` }, headers)).status, 201);
    const limited = await register(gh, { ...CLAUDE_REGISTRATION, client_name: 'n3' }, headers);
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    assert.equal((await limited.json()).error, 'too_many_requests');
    // The three registrations of the previous test and these three have used the global budget of 6.
    const other = await register(gh, { ...CLAUDE_REGISTRATION, client_name: 'other' }, { 'x-forwarded-for': '192.0.2.99' });
    assert.equal(other.status, 429);
  });
});

describe('RFC 7592 client management', () => {
  let gh: TestGatehouse;
  before(async () => {
    gh = await startGatehouse();
  });
  after(() => gh.close());
  const manage = (uri: string, token: string, init: RequestInit = {}) =>
    fetch(uri, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(init.headers as object) } });

  it('reads, updates and deletes a client with its registration access token', async () => {
    const registered = await (await register(gh, { ...CLAUDE_REGISTRATION, client_name: 'Managed' })).json();
    assert.equal(registered.registration_client_uri, `${gh.baseUrl}/register/${registered.client_id}`);
    const token = registered.registration_access_token;

    const read = await manage(registered.registration_client_uri, token);
    assert.equal(read.status, 200);
    const current = await read.json();
    assert.equal(current.client_name, 'Managed');
    assert.equal(current.client_secret, undefined, 'the secret is stored hashed and never shown again');

    const { registration_client_uri: _u, client_id_issued_at: _i, client_secret_expires_at: _e, ...editable } = current;
    const updated = await manage(registered.registration_client_uri, token, { method: 'PUT', body: JSON.stringify({ ...editable, client_name: 'Renamed' }) });
    assert.equal(updated.status, 200);
    assert.equal((await updated.json()).client_name, 'Renamed');
    assert.equal((await (await manage(registered.registration_client_uri, token)).json()).client_name, 'Renamed');

    const switchAuth = await manage(registered.registration_client_uri, token, {
      method: 'PUT',
      body: JSON.stringify({ ...editable, token_endpoint_auth_method: 'none' }),
    });
    assert.equal(switchAuth.status, 400);
    const wrongId = await manage(registered.registration_client_uri, token, { method: 'PUT', body: JSON.stringify({ ...editable, client_id: 'other' }) });
    assert.equal(wrongId.status, 400);

    assert.equal((await manage(registered.registration_client_uri, token, { method: 'DELETE' })).status, 204);
    assert.equal((await manage(registered.registration_client_uri, token)).status, 401);
  });

  it('refuses a wrong or missing token alike, and deleting a client ends its grants and their access tokens at once', async () => {
    const registered = await (await register(gh, { ...CLAUDE_REGISTRATION, client_name: 'Doomed' })).json();
    const wrong = await manage(registered.registration_client_uri, 'nope');
    assert.equal(wrong.status, 401);
    assert.equal((await wrong.json()).error, 'invalid_token');
    assert.equal((await fetch(registered.registration_client_uri)).status, 401);
    assert.equal((await manage(`${gh.baseUrl}/register/unknown`, registered.registration_access_token)).status, 401);

    const { tokens } = await obtainTokens(gh, { client: registered });
    assert.equal((await callTool(gh.mcpUrl, tokens.access_token, 'whoami')).status, 200);
    await manage(registered.registration_client_uri, registered.registration_access_token, { method: 'DELETE' });
    const grants = await gh.gatehouse.storage.db.selectFrom('grants').selectAll().where('client_id', '=', registered.client_id).execute();
    assert.deepEqual(grants, []);
    // The access token was verified (and cached) while the client existed; the instance that deleted it refuses it at once.
    const refused = await callTool(gh.mcpUrl, tokens.access_token, 'whoami');
    assert.equal(refused.status, 401, 'the access token of a deleted client is refused at once');
    assert.match(refused.headers.get('www-authenticate')!, /revoked/);
  });
});

describe('registered client ids', () => {
  let gh: TestGatehouse;
  before(async () => {
    gh = await startGatehouse({ REGISTRATION_RATE_LIMIT: '1000' });
  });
  after(() => gh.close());

  it('start with a letter or digit, so that they can be pasted into a command line', async () => {
    // About one random base64url id in 32 would start with "-" or "_": 100 registrations make a miss near certain.
    const ids = await Promise.all(Array.from({ length: 100 }, async () => (await registerClient(gh)).client_id));
    assert.deepEqual(
      ids.filter((id) => !/^[A-Za-z0-9]/.test(id)),
      [],
    );
    assert.equal(new Set(ids).size, 100);
  });
});
