// The authorization endpoint, sign-in and consent: which requests are refused on a page, which are refused back
// to the client, and what the person sees and decides.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Browser, hiddenFields, signInAndDecide } from '../helpers/browser.js';
import { ADMIN, startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { authorizationUrl, pkce, registerClient, type RegisteredClient } from '../helpers/oauth.js';

describe('authorization endpoint', () => {
  let gh: TestGatehouse;
  let claude: RegisteredClient;
  let cli: RegisteredClient;
  const { challenge } = pkce();
  const withPkce = { code_challenge: challenge, code_challenge_method: 'S256' };

  before(async () => {
    gh = await startGatehouse();
    claude = await registerClient(gh);
    cli = await registerClient(gh, {
      redirect_uris: ['http://127.0.0.1:6276/oauth/callback'],
      token_endpoint_auth_method: 'none',
      client_name: 'Inspector CLI',
    });
  });
  after(() => gh.close());

  /** An error shown on Gatehouse's own page: status 400, HTML, and above all no redirect. */
  async function assertErrorPage(url: URL, text: RegExp) {
    const response = await fetch(url, { redirect: 'manual' });
    assert.equal(response.status, 400);
    assert.equal(response.headers.get('location'), null);
    assert.match(response.headers.get('content-type')!, /text\/html/);
    assert.match(await response.text(), text);
  }

  /** An error sent back to the client's redirect URI with error, state and iss (RFC 9207). */
  async function assertRedirectedError(url: URL, error: string) {
    const response = await fetch(url, { redirect: 'manual' });
    assert.equal(response.status, 303);
    const location = new URL(response.headers.get('location')!);
    assert.equal(location.origin + location.pathname, 'https://claude.ai/api/mcp/auth_callback');
    assert.equal(location.searchParams.get('error'), error);
    assert.equal(location.searchParams.get('state'), 'state-123');
    assert.equal(location.searchParams.get('iss'), gh.baseUrl);
    assert.equal(location.searchParams.get('code'), null);
  }

  it('shows an error page, never a redirect, for an unknown client', async () => {
    await assertErrorPage(authorizationUrl(gh, { ...claude, client_id: 'no-such-client' }, withPkce), /not registered/);
    const url = authorizationUrl(gh, claude, withPkce);
    url.searchParams.delete('client_id');
    await assertErrorPage(url, /client_id is required/);
  });

  it('shows an error page, never a redirect, for an unregistered or missing redirect URI', async () => {
    await assertErrorPage(authorizationUrl(gh, claude, { ...withPkce, redirect_uri: 'https://evil.example/callback' }), /not registered/);
    await assertErrorPage(authorizationUrl(gh, claude, { ...withPkce, redirect_uri: 'https://claude.ai/api/mcp/auth_callback/../evil' }), /not registered/);
    const url = authorizationUrl(gh, claude, withPkce);
    url.searchParams.delete('redirect_uri');
    await assertErrorPage(url, /redirect_uri is required/);
  });

  it('refuses a parameter sent twice on the error page', async () => {
    const url = authorizationUrl(gh, claude, withPkce);
    url.searchParams.append('redirect_uri', 'https://evil.example/cb');
    await assertErrorPage(url, /more than once/);
  });

  it('matches loopback redirect URIs on any port, but not on another path or host (RFC 8252 §7.3)', async () => {
    const ok = await fetch(authorizationUrl(gh, cli, { ...withPkce, redirect_uri: 'http://127.0.0.1:51234/oauth/callback' }), { redirect: 'manual' });
    assert.equal(ok.status, 303);
    assert.match(ok.headers.get('location')!, /^\/consent\?request=/);
    await assertErrorPage(authorizationUrl(gh, cli, { ...withPkce, redirect_uri: 'http://127.0.0.1:51234/other' }), /not registered/);
    await assertErrorPage(authorizationUrl(gh, cli, { ...withPkce, redirect_uri: 'http://localhost:6276/oauth/callback' }), /not registered/);
  });

  it('requires PKCE with S256: a missing or plain challenge is refused back to the client', async () => {
    await assertRedirectedError(authorizationUrl(gh, claude), 'invalid_request');
    await assertRedirectedError(authorizationUrl(gh, claude, { code_challenge: challenge, code_challenge_method: 'plain' }), 'invalid_request');
    await assertRedirectedError(authorizationUrl(gh, claude, { code_challenge: challenge }), 'invalid_request');
    await assertRedirectedError(authorizationUrl(gh, claude, { code_challenge: 'short', code_challenge_method: 'S256' }), 'invalid_request');
  });

  it('refuses other response types, foreign resources and scope-less requests back to the client', async () => {
    await assertRedirectedError(authorizationUrl(gh, claude, { ...withPkce, response_type: 'token' }), 'unsupported_response_type');
    await assertRedirectedError(authorizationUrl(gh, claude, { ...withPkce, resource: 'https://other.example/mcp' }), 'invalid_target');
    await assertRedirectedError(authorizationUrl(gh, claude, { ...withPkce, resource: `${gh.baseUrl}/not-mcp` }), 'invalid_target');
    await assertRedirectedError(authorizationUrl(gh, claude, { ...withPkce, resource: `${gh.mcpUrl}#frag` }), 'invalid_target');
    await assertRedirectedError(authorizationUrl(gh, claude, { ...withPkce, scope: 'openid admin' }), 'invalid_scope');
  });

  it('sends a signed-out user to sign in, then to the consent page naming client, redirect host and scopes', async () => {
    const browser = new Browser();
    const login = await browser.go(authorizationUrl(gh, claude, withPkce));
    assert.equal(login.url.pathname, '/login');
    assert.match(login.html!, /name="username"/);
    const consent = await browser.submit(new URL('/login', gh.baseUrl), { ...hiddenFields(login.html!), username: ADMIN.username, password: ADMIN.password });
    assert.equal(consent.url.pathname, '/consent');
    assert.match(consent.html!, /Allow Claude to access your Gatehouse account\?/);
    assert.match(consent.html!, /claude\.ai/);
    for (const scope of ['mcp:tools', 'mcp:resources', 'mcp:prompts']) assert.ok(consent.html!.includes(scope), scope);
    assert.equal(consent.page!.headers.get('x-frame-options'), 'DENY');
    const csp = consent.page!.headers.get('content-security-policy')!;
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(csp, /form-action 'self' https:\/\/claude\.ai/);
    assert.equal(consent.page!.headers.get('cache-control'), 'no-store');
  });

  it('sets the session cookie HttpOnly and SameSite=Lax', async () => {
    const browser = new Browser();
    const login = await browser.go(new URL('/login', gh.baseUrl));
    const response = await browser.fetch(new URL('/login', gh.baseUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...hiddenFields(login.html!), username: ADMIN.username, password: ADMIN.password }),
    });
    assert.equal(response.status, 303);
    const cookie = response.headers.getSetCookie().find((line) => line.startsWith('gatehouse_session='))!;
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Lax/);
    assert.match(cookie, /Path=\//);
  });

  it('refuses a wrong password with 401 and starts no session', async () => {
    const browser = new Browser();
    const login = await browser.go(authorizationUrl(gh, claude, withPkce));
    const answer = await browser.submit(new URL('/login', gh.baseUrl), { ...hiddenFields(login.html!), username: ADMIN.username, password: 'wrong password' });
    assert.equal(answer.page!.status, 401);
    assert.match(answer.html!, /Wrong username or password/);
    const again = await browser.go(authorizationUrl(gh, claude, withPkce));
    assert.equal(again.url.pathname, '/login');
  });

  it('refuses forms without a valid CSRF token or from a foreign origin', async () => {
    const browser = new Browser();
    const login = await browser.go(authorizationUrl(gh, claude, withPkce));
    const fields: Record<string, string> = { ...hiddenFields(login.html!), username: ADMIN.username, password: ADMIN.password };
    const noToken = await browser.submit(new URL('/login', gh.baseUrl), { ...fields, csrf: 'forged' });
    assert.equal(noToken.page!.status, 403);
    const foreign = await browser.go(new URL('/login', gh.baseUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
      body: new URLSearchParams(fields).toString(),
    });
    assert.equal(foreign.page!.status, 403);
    // A consent form posted without the browser's CSRF cookie is refused and issues no code.
    const stranger = await fetch(new URL('/consent', gh.baseUrl), {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf: fields.csrf!, request: fields.request!, decision: 'approve' }),
    });
    assert.equal(stranger.status, 403);
  });

  it('refuses an altered or forged authorization request', async () => {
    const browser = new Browser();
    await signInAndDecide(authorizationUrl(gh, claude, withPkce), { browser });
    const start = await browser.go(authorizationUrl(gh, claude, withPkce));
    assert.equal(start.url.pathname, '/consent', 'the session is still signed in');
    // Alter a character inside the signature (the last one may only hold padding bits).
    const sealed = start.url.searchParams.get('request')!;
    const at = sealed.length - 10;
    const tampered = sealed.slice(0, at) + (sealed[at] === 'A' ? 'B' : 'A') + sealed.slice(at + 1);
    const answer = await browser.go(new URL(`/consent?request=${tampered}`, gh.baseUrl));
    assert.equal(answer.page!.status, 400);
    assert.match(answer.html!, /expired/);
  });

  it('binds the consent form to the request it shows: its token cannot approve another request', async () => {
    const browser = new Browser();
    await signInAndDecide(authorizationUrl(gh, claude, withPkce), { browser });
    const shown = await browser.go(authorizationUrl(gh, claude, { ...withPkce, state: 'shown' }));
    const other = await browser.go(authorizationUrl(gh, cli, { ...withPkce, state: 'other' }));
    const swapped = await browser.submit(new URL('/consent', gh.baseUrl), {
      csrf: hiddenFields(shown.html!).csrf!,
      request: hiddenFields(other.html!).request!,
      decision: 'approve',
    });
    assert.equal(swapped.page!.status, 403);
  });

  it('redirects a denial with access_denied, state and iss', async () => {
    const redirect = await signInAndDecide(authorizationUrl(gh, claude, withPkce), { decision: 'deny' });
    assert.equal(redirect.searchParams.get('error'), 'access_denied');
    assert.equal(redirect.searchParams.get('state'), 'state-123');
    assert.equal(redirect.searchParams.get('iss'), gh.baseUrl);
    assert.equal(redirect.searchParams.get('code'), null);
  });

  it("redirects an approval with a code, state and iss, and keeps the redirect URI's own query", async () => {
    const client = await registerClient(gh, { redirect_uris: ['https://app.example/cb?tenant=7'], token_endpoint_auth_method: 'none' });
    const redirect = await signInAndDecide(authorizationUrl(gh, client, withPkce));
    assert.equal(redirect.origin + redirect.pathname, 'https://app.example/cb');
    assert.equal(redirect.searchParams.get('tenant'), '7');
    assert.ok(redirect.searchParams.get('code'));
    assert.equal(redirect.searchParams.get('iss'), gh.baseUrl);
  });

  it('accepts POST to /authorize and the /oauth/authorize alias', async () => {
    const url = authorizationUrl(gh, claude, withPkce);
    const post = await fetch(new URL('/authorize', gh.baseUrl), {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: url.searchParams,
    });
    assert.equal(post.status, 303);
    assert.match(post.headers.get('location')!, /^\/consent\?/);
    const alias = await fetch(new URL(`/oauth/authorize${url.search}`, gh.baseUrl), { redirect: 'manual' });
    assert.equal(alias.status, 303);
  });
});
