// Attacks Gatehouse as an open redirector (RFC 6749 §4.1.2.1, RFC 9700 §4.1.5): near misses of a registered
// https://app.example/cb, errors raised before the client and its redirect URI are verified, a state holding a URL,
// a forged sealed request, and the redirects of /login, /logout and odd paths. A browser may only ever be sent to
// Gatehouse's own pages or, once verified, to the registered URI itself.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import { Browser, hiddenFields } from '../helpers/browser.js';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { authorizationUrl, pkce, registerClient, type RegisteredClient } from '../helpers/oauth.js';
import { assertErrorPage, census, openConsent, postForm, signedInBrowser } from './support.js';

const REGISTERED = 'https://app.example/cb';

const NEAR_MISSES = [
  'https://evil.example/cb',
  'https://app.example@evil.example/cb',
  'https://app.example:443@evil.example/cb',
  'https://app.example.evil.example/cb',
  'https://evil.example/https://app.example/cb',
  'https://app.example/cb/../../evil',
  'https://app.example/evil/../cb',
  'https://app.example/cb/..%2F..%2Fevil',
  'https://app.example/cb/',
  'https://APP.example/cb',
  'https://app.example/CB',
  'HTTPS://app.example/cb',
  'http://app.example/cb',
  'https://app.example:443/cb',
  'https://app.example/cb?next=https://evil.example',
  'https://app.example/cb#@evil.example',
  'https://app.example/c%62',
  'https://app.example%2F@evil.example/cb',
  'https://app.example/cb%00',
  'https:\\\\app.example\\cb',
  'https:app.example/cb',
  ' https://app.example/cb',
  '//evil.example',
  '//app.example/cb',
  '/cb',
  'javascript://app.example/cb%0aalert(1)',
];

/** Raw HTTP, so that paths such as /\evil.example reach the server exactly as written. */
function rawGet(baseUrl: string, path: string): Promise<{ status: number; location: string | undefined }> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, path, method: 'GET' }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, location: res.headers.location }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A redirect that stays on Gatehouse: a relative path on this origin, never //host or /\host. */
function assertStaysHome(location: string | null | undefined, baseUrl: string) {
  assert.ok(location, 'a Location header');
  assert.match(location, /^\/(?![/\\])/, `a same-origin path, not ${location}`);
  assert.equal(new URL(location, baseUrl).origin, baseUrl);
}

describe('open redirect', () => {
  let gh: TestGatehouse;
  let client: RegisteredClient;
  let victim: Browser;
  const withPkce = { code_challenge: pkce().challenge, code_challenge_method: 'S256' };

  /** Verified: a 303 to exactly the registered URI, with only the response parameters appended. */
  function assertToRegistered(response: Response): URL {
    assert.equal(response.status, 303);
    const location = response.headers.get('location')!;
    assert.ok(location.startsWith(`${REGISTERED}?`), location);
    const url = new URL(location);
    assert.equal(url.origin + url.pathname, REGISTERED);
    assert.equal(url.searchParams.get('iss'), gh.baseUrl);
    return url;
  }

  before(async () => {
    gh = await startGatehouse();
    client = await registerClient(gh, { redirect_uris: [REGISTERED], token_endpoint_auth_method: 'none', client_name: 'Open redirect target' });
    ({ browser: victim } = await signedInBrowser(gh));
  });
  after(() => gh.close());

  it('shows an error page, never a redirect, for every near miss of the registered redirect URI', async () => {
    for (const redirect_uri of NEAR_MISSES) {
      // Valid otherwise, and with an error that would be sent to the redirect URI if it were trusted.
      for (const extra of [{}, { response_type: 'token' }]) {
        const response = await victim.fetch(authorizationUrl(gh, client, { ...withPkce, ...extra, redirect_uri }));
        await assertErrorPage(response, 400, /redirect_uri is not registered for this client/);
      }
    }
  });

  it('shows an error page for every error found before the client and its redirect URI are verified', async () => {
    const evil = 'https://evil.example/cb';
    const duplicated = (name: string, second: string) => {
      const url = authorizationUrl(gh, client, { ...withPkce, response_type: 'token' });
      url.searchParams.append(name, second);
      return url;
    };
    const cases: [URL | string, RegExp][] = [
      [authorizationUrl(gh, { client_id: 'no-such-client', redirect_uris: [evil] }, { response_type: 'token' }), /not registered here/],
      [authorizationUrl(gh, { client_id: 'no-such-client', redirect_uris: [REGISTERED] }, { response_type: 'token' }), /not registered here/],
      [authorizationUrl(gh, { client_id: '', redirect_uris: [evil] }, { response_type: 'token' }), /client_id is required/],
      [`/authorize?redirect_uri=${encodeURIComponent(evil)}&response_type=token&state=x`, /client_id is required/],
      [authorizationUrl(gh, { ...client, redirect_uris: [''] }, { response_type: 'token' }), /redirect_uri is required/],
      [duplicated('redirect_uri', evil), /more than once/],
      [duplicated('client_id', client.client_id), /more than once/],
      [duplicated('state', 'again'), /more than once/],
    ];
    for (const [url, text] of cases) await assertErrorPage(await victim.fetch(new URL(url, gh.baseUrl)), 400, text);

    const post = (type: string, body: string) => victim.fetch(new URL('/authorize', gh.baseUrl), { method: 'POST', headers: { 'content-type': type }, body });
    const form = new URLSearchParams({ client_id: client.client_id, redirect_uri: evil, response_type: 'token' });
    await assertErrorPage(await post('application/x-www-form-urlencoded', form.toString()), 400, /not registered for this client/);
    await assertErrorPage(await post('application/json', JSON.stringify(Object.fromEntries(form))), 400, /not registered for this client/);
    await assertErrorPage(await post('text/plain', form.toString()), 400, /must be application\/x-www-form-urlencoded/);
    await assertErrorPage(await post('application/json', JSON.stringify({ client_id: client.client_id, redirect_uri: [evil] })), 400, /must be a string/);
  });

  it('sends errors found after verification only to the registered URI, even with a URL in state', async () => {
    const state = 'https://evil.example/steal?next=//evil.example';
    const cases: [Record<string, string | undefined>, string][] = [
      [{ ...withPkce, response_type: 'token' }, 'unsupported_response_type'],
      [{ code_challenge: undefined }, 'invalid_request'],
      [{ ...withPkce, scope: 'admin' }, 'invalid_scope'],
      [{ ...withPkce, resource: 'https://evil.example/mcp' }, 'invalid_target'],
    ];
    for (const [params, error] of cases) {
      const url = assertToRegistered(await victim.fetch(authorizationUrl(gh, client, { ...params, state })));
      assert.equal(url.searchParams.get('error'), error);
      assert.equal(url.searchParams.get('state'), state, 'state comes back as data, not as a destination');
    }
  });

  it('sends the consent decision only to the registered URI', async () => {
    for (const decision of ['deny', 'approve']) {
      const consent = await openConsent(victim, authorizationUrl(gh, client, { ...withPkce, state: 'https://evil.example/' }));
      const url = assertToRegistered(await postForm(victim, new URL('/consent', gh.baseUrl), { ...consent.fields, decision }));
      assert.equal(url.searchParams.has('code'), decision === 'approve');
      assert.equal(url.searchParams.get('state'), 'https://evil.example/');
    }
  });

  it('refuses a forged or altered sealed request that names another redirect URI, and issues no code', async () => {
    const consent = await openConsent(victim, authorizationUrl(gh, client, withPkce));
    const genuine = consent.fields.request!;
    const claims = decodeJwt(genuine) as { req: Record<string, unknown> };
    const evilClaims = { ...claims, req: { ...claims.req, redirectUri: 'https://evil.example/cb' } };
    const header = { alg: 'HS256', typ: decodeProtectedHeader(genuine).typ };
    const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const [genuineHeader, , genuineSignature] = genuine.split('.');
    const forgeries = {
      'signed with another key': await new SignJWT(evilClaims).setProtectedHeader(header).sign(randomBytes(32)),
      'alg none': `${b64({ ...header, alg: 'none' })}.${b64(evilClaims)}.`,
      'genuine signature on altered claims': `${genuineHeader}.${b64(evilClaims)}.${genuineSignature}`,
    };
    const before = await census(gh);
    for (const [name, request] of Object.entries(forgeries)) {
      const shown = await victim.fetch(new URL(`/consent?request=${encodeURIComponent(request)}`, gh.baseUrl));
      await assertErrorPage(shown, 400, /This request has expired/).catch((error) => assert.fail(`GET, ${name}: ${error.message}`));
      // The form's CSRF token is bound to the genuine request, so a swapped one fails that check first.
      const posted = await postForm(victim, new URL('/consent', gh.baseUrl), { ...consent.fields, request, decision: 'approve' });
      await assertErrorPage(posted, 403, /Form expired/).catch((error) => assert.fail(`POST, ${name}: ${error.message}`));
    }
    assert.deepEqual(await census(gh), before);
  });

  describe('a loopback redirect URI (RFC 8252 §7.3: any port, nothing else)', () => {
    const LOOPBACK = 'http://127.0.0.1:6276/cb';
    let native: RegisteredClient;
    before(async () => {
      native = await registerClient(gh, { redirect_uris: [LOOPBACK], token_endpoint_auth_method: 'none', client_name: 'Loopback target' });
    });
    const authorize = (redirect_uri: string) => victim.fetch(authorizationUrl(gh, native, { ...withPkce, response_type: 'token', redirect_uri }));

    it('accepts another port, and refuses every variant that leaves the registered host and path', async () => {
      const other = await authorize('http://127.0.0.1:51234/cb');
      assert.equal(other.status, 303);
      assert.ok(other.headers.get('location')!.startsWith('http://127.0.0.1:51234/cb?'));
      for (const uri of [
        'http://127.0.0.1:6276@evil.example/cb',
        'http://127.0.0.1.evil.example:6276/cb',
        'http://127.0.0.2:6276/cb',
        'http://localhost:6276/cb',
        'http://[::1]:6276/cb',
        'https://127.0.0.1:6276/cb',
        'http://127.0.0.1:6276/cb/../evil',
        'http://127.0.0.1:6276/cb?x=1',
        'http://127.0.0.1:6276/cb#frag',
        'http://127.0.0.1:6276/%63b',
      ]) {
        await assertErrorPage(await authorize(uri), 400, /not registered for this client/);
      }
    });

    it('matches the loopback URI exactly but for the port: no userinfo, dot segments or non-canonical spellings', async () => {
      const accepted: string[] = [];
      for (const uri of [
        'http://attacker:pw@127.0.0.1:9/cb',
        'http://127.0.0.1:9/x/../cb',
        'http://0x7f.1:9/cb',
        'http://127.1:9/cb',
        'HTTP://127.0.0.1:9/cb',
        'http://127.0.0.1:9\\cb',
        'http://127.0.0.1:9/cb?',
      ]) {
        const response = await authorize(uri);
        if (response.status !== 400 || response.headers.get('location') !== null)
          accepted.push(`${uri} → ${response.status} ${response.headers.get('location')}`);
      }
      assert.deepEqual(accepted, []);
    });

    it('refuses a port no socket can have, at registration and at /authorize, with the standard error and never a 500', async () => {
      for (const uri of ['http://127.0.0.1:99999/cb', 'http://127.0.0.1:65536/cb', 'http://127.0.0.1:0/cb', 'http://localhost:0/cb']) {
        const registered = await gh.register({ redirect_uris: [uri], token_endpoint_auth_method: 'none', client_name: 'Bad port' });
        assert.equal(registered.status, 400, uri);
        assert.equal((await registered.json()).error, 'invalid_redirect_uri');
        await assertErrorPage(await authorize(uri.replace('localhost', '127.0.0.1')), 400, /not registered for this client/);
      }
      // Claude Code's pinned document registers loopback callbacks on any port.
      const claudeCode = { client_id: 'https://claude.ai/oauth/claude-code-client-metadata', redirect_uris: ['http://localhost/callback'] };
      for (const uri of ['http://localhost:99999/callback', 'http://127.0.0.1:0/callback']) {
        await assertErrorPage(await victim.fetch(authorizationUrl(gh, claudeCode, { ...withPkce, redirect_uri: uri })), 400, /not registered for this client/);
      }
    });
  });

  it('keeps /login on this origin whatever its request parameter says', async () => {
    const values = [
      'https://evil.example/',
      '//evil.example',
      '/\\evil.example',
      '\\\\evil.example',
      'javascript:alert(1)',
      '\r\nLocation: https://evil.example',
      '@evil.example',
      '../../evil.example',
    ];
    const visitor = new Browser();
    const login = await visitor.go(new URL('/login', gh.baseUrl));
    for (const request of values) {
      // Signed out: a form post that signs in, then continues to the request.
      const posted = await postForm(visitor, new URL('/login', gh.baseUrl), {
        ...hiddenFields(login.html!),
        username: 'admin',
        password: 'correct horse battery staple',
        request,
      });
      assert.equal(posted.status, 303);
      assertStaysHome(posted.headers.get('location'), gh.baseUrl);
      assert.equal(posted.headers.get('location'), `/consent?request=${encodeURIComponent(request)}`);
      // Signed in: GET /login sends straight on.
      const get = await visitor.fetch(new URL(`/login?request=${encodeURIComponent(request)}`, gh.baseUrl));
      assert.equal(get.status, 303);
      assertStaysHome(get.headers.get('location'), gh.baseUrl);
      // Where it leads refuses the bogus request on its own page.
      await assertErrorPage(await visitor.fetch(new URL(get.headers.get('location')!, gh.baseUrl)), 400, /This request has expired/);
    }
    const noRequest = await visitor.fetch(new URL('/login?next=https://evil.example&redirect_uri=https://evil.example&return_to=//evil.example', gh.baseUrl));
    assert.equal(noRequest.status, 303);
    assert.equal(noRequest.headers.get('location'), '/account');
  });

  it('keeps /logout on this origin whatever the query or form says', async () => {
    const lures = 'next=https://evil.example&redirect=https://evil.example&redirect_uri=https://evil.example&return_to=//evil.example&continue=/\\evil.example';
    const get = await gh.fetch(`/logout?${lures}`);
    assert.equal(get.status, 303);
    assert.equal(get.headers.get('location'), '/account');

    const { browser, html } = await signedInBrowser(gh);
    const posted = await postForm(browser, new URL(`/logout?${lures}`, gh.baseUrl), {
      ...hiddenFields(html),
      ...Object.fromEntries(new URLSearchParams(lures)),
    });
    assert.equal(posted.status, 303);
    assert.equal(posted.headers.get('location'), '/login');
  });

  it('answers odd paths without a redirect off this origin', async () => {
    const paths = [
      '//evil.example',
      '//evil.example/%2e%2e',
      '/\\evil.example',
      '/%2F%2Fevil.example',
      '/%5Cevil.example',
      '/login/',
      '/account/',
      '/consent/',
      '/logout/',
      '/authorize/',
      '/./evil.example',
      '/login/..//evil.example',
    ];
    for (const path of paths) {
      const { status, location } = await rawGet(gh.baseUrl, path);
      assert.ok(status < 500, `${status} for ${path}`);
      if (location !== undefined) assertStaysHome(location, gh.baseUrl);
    }
  });
});
