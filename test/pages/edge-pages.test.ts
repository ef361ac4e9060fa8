// The pages over plain HTTP, where a browser is not needed to tell: a doctype on every page, a page for a browser
// and the usual JSON for an API client where nothing is routed (404) or the method is wrong (405), the icon, the
// sign-in page naming the app it signs in for, what the consent page shows of the client, and "Not you?".
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Hono } from 'hono';
import { answerUnrouted } from '../../src/pages/respond.js';
import { Browser, hiddenFields } from '../helpers/browser.js';
import { ADMIN, startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { authorizationUrl, pkce, registerClient } from '../helpers/oauth.js';
import { census, openConsent, postForm, signedInBrowser } from '../security/support.js';

const AS_BROWSER = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };
const withPkce = () => ({ code_challenge: pkce().challenge, code_challenge_method: 'S256' });
const CLAUDE = { client_id: 'https://claude.ai/oauth/mcp-oauth-client-metadata', redirect_uris: ['https://claude.ai/api/mcp/auth_callback'] };

/** The text of the page's h1, tags dropped. */
const heading = (html: string) => /<h1>(.*?)<\/h1>/s.exec(html)?.[1]?.replace(/<[^>]+>/g, '') ?? '';

/** A client stored as it is, past registration's checks (a row from before them, or a document published elsewhere). */
async function storeClient(gh: TestGatehouse, clientId: string, metadata: Record<string, unknown>) {
  await gh.gatehouse.storage.clients.create({
    clientId,
    kind: 'dynamic',
    secretHash: null,
    metadata: {
      redirect_uris: ['https://app.example/cb'],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      ...metadata,
    },
    createdAt: Date.now(),
    registrationTokenHash: null,
  });
  return { client_id: clientId, redirect_uris: (metadata.redirect_uris as string[] | undefined) ?? ['https://app.example/cb'] };
}

describe('pages over HTTP', () => {
  let gh: TestGatehouse;
  before(async () => {
    gh = await startGatehouse();
  });
  after(() => gh.close());

  it('starts every page with a doctype, so that browsers render in standards mode', async () => {
    const { browser } = await signedInBrowser(gh);
    const client = await registerClient(gh, { redirect_uris: ['https://app.example/cb'], token_endpoint_auth_method: 'none', client_name: 'Doctype App' });
    const consent = await openConsent(browser, authorizationUrl(gh, client, withPkce()));
    const pages: [string, Response | string][] = [
      ['home', await gh.fetch('/', { headers: AS_BROWSER })],
      ['sign-in', await gh.fetch('/login')],
      ['sign-in for a request', await gh.fetch('/login?request=not-a-request')],
      ['account', (await browser.go(new URL('/account', gh.baseUrl))).html!],
      ['consent', consent.html],
      ['refused authorization', await gh.fetch('/authorize?client_id=nobody', { headers: AS_BROWSER })],
      ['expired request', await browser.fetch(new URL('/consent?request=expired', gh.baseUrl))],
      ['refused form', await postForm(new Browser(), new URL('/logout', gh.baseUrl), {})],
      ['not found', await gh.fetch('/no/such/page', { headers: AS_BROWSER })],
      ['wrong method', await gh.fetch('/token', { headers: AS_BROWSER })],
    ];
    for (const [name, answer] of pages) {
      const html = typeof answer === 'string' ? answer : await answer.text();
      assert.ok(html.startsWith('<!doctype html><html lang="en">'), `${name}: ${html.slice(0, 60)}`);
      assert.equal(html.match(/<!doctype/gi)?.length, 1, `${name}: one doctype`);
    }
  });

  it('shows a browser a page where nothing is routed, and gives API clients the JSON they always got', async () => {
    const page = await gh.fetch('/no/such/page', { headers: AS_BROWSER });
    assert.equal(page.status, 404);
    assert.match(page.headers.get('content-type')!, /^text\/html/);
    assert.match(page.headers.get('content-security-policy')!, /default-src 'none'/);
    assert.equal(page.headers.get('cache-control'), 'no-store');
    const html = await page.text();
    assert.equal(heading(html), 'Page not found');
    assert.match(html, /There is no page at \/no\/such\/page on this server\./);
    assert.match(html, new RegExp(`this reference: <code>${page.headers.get('x-request-id')}</code>`), 'the id to quote');

    for (const accept of [undefined, 'application/json', '*/*', 'application/json, text/event-stream']) {
      const api = await gh.fetch('/no/such/page', { headers: accept ? { accept } : {} });
      assert.equal(api.status, 404, String(accept));
      assert.match(api.headers.get('content-type')!, /^application\/json/);
      assert.deepEqual(await api.json(), { error: 'not_found', error_description: 'nothing at /no/such/page' });
    }

    const markup = await gh.fetch(`/${encodeURIComponent('<script>alert(1)</script>')}`, { headers: AS_BROWSER });
    const escaped = await markup.text();
    assert.ok(!escaped.includes('<script>') && escaped.includes('&lt;script&gt;'), 'the path is shown as text');
  });

  it('answers 405 with Allow where the path takes other methods, and 404 where it takes none', async () => {
    const cases: [method: string, path: string, allow: string][] = [
      ['GET', '/token', 'POST'],
      ['PUT', '/login', 'GET, POST, HEAD'],
      ['DELETE', '/consent', 'GET, POST, HEAD'],
      ['POST', '/healthz', 'GET, HEAD'],
      ['GET', '/register', 'POST'],
    ];
    for (const [method, path, allow] of cases) {
      const api = await gh.fetch(path, { method });
      assert.equal(api.status, 405, `${method} ${path}`);
      assert.equal(api.headers.get('allow'), allow, `${method} ${path}`);
      const body = await api.json();
      assert.equal(body.error, 'method_not_allowed');
      assert.match(body.error_description, new RegExp(`^${path} answers`));
    }
    const page = await gh.fetch('/token', { headers: AS_BROWSER });
    assert.equal(page.status, 405);
    assert.equal(page.headers.get('allow'), 'POST');
    assert.match(await page.text(), /The address \/token exists, but it takes POST requests, not GET\./);

    for (const method of ['GET', 'HEAD', 'POST', 'DELETE']) assert.equal((await gh.fetch('/no/such/page', { method })).status, 404, method);
  });

  it('does not call a request 405 when a route of its own method passed it on', async () => {
    // As GET / does for anything but a browser; in Gatehouse the MCP endpoint takes it next, here nothing does.
    const app = new Hono();
    app.use('*', (_c, next) => next());
    app.get('/passes', (_c, next) => next());
    app.post('/posts', (c) => c.text('posted'));
    app.notFound(answerUnrouted(app));
    assert.equal((await app.request('/passes')).status, 404);
    assert.equal((await app.request('/posts', { method: 'PUT' })).headers.get('allow'), 'POST', 'middleware (ALL) is no method of the path');
    assert.equal((await app.request('/posts')).status, 405);
    assert.equal((await app.request('/elsewhere')).status, 404);
  });

  it('serves the pages’ icon from its own origin, and every page links to it', async () => {
    for (const path of ['/favicon.svg', '/favicon.ico']) {
      const icon = await gh.fetch(path);
      assert.equal(icon.status, 200, path);
      assert.equal(icon.headers.get('content-type'), 'image/svg+xml');
      assert.equal(icon.headers.get('content-security-policy'), "default-src 'none'", 'an SVG opened on its own runs nothing');
      assert.equal(icon.headers.get('x-content-type-options'), 'nosniff');
      const svg = await icon.text();
      assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      assert.doesNotMatch(svg, /<script|on\w+=|href=/i);
    }
    const login = await (await gh.fetch('/login')).text();
    assert.match(login, /<link rel="icon" href="\/favicon\.svg" type="image\/svg\+xml"\/>/);
  });

  it('names on the sign-in page the app being connected, with the consent page’s caution about the name', async () => {
    const signInFor = async (client: { client_id: string; redirect_uris: string[] }) => {
      const step = await new Browser().go(authorizationUrl(gh, client, withPkce()));
      assert.equal(step.url.pathname, '/login');
      return step.html!;
    };

    const selfNamed = await signInFor(
      await registerClient(gh, { redirect_uris: ['https://app.example/cb'], token_endpoint_auth_method: 'none', client_name: 'Notes Helper' }),
    );
    assert.equal(heading(selfNamed), 'Sign in to Gatehouse to connect “Notes Helper”');
    assert.match(selfNamed, /<strong>Unverified app\.<\/strong> It chose this name itself\./);

    const claude = await signInFor(CLAUDE);
    assert.equal(heading(claude), 'Sign in to Gatehouse to connect Claude', 'a name this server vouches for, plainly');
    assert.doesNotMatch(claude, /Unverified/);

    // An old row that poses as Claude: its borrowed name is not repeated, the consent page explains.
    const impostor = await signInFor(
      await storeClient(gh, 'sign-in-impostor', { client_name: 'Claude', redirect_uris: ['https://claude-ai.evil.example/cb'] }),
    );
    assert.equal(heading(impostor), 'Sign in to Gatehouse to connect an app');

    const unnamed = await signInFor(await registerClient(gh, { redirect_uris: ['https://app.example/cb'], token_endpoint_auth_method: 'none' }));
    assert.equal(heading(unnamed), 'Sign in to Gatehouse to connect an unnamed app');

    const markup = await signInFor(
      await registerClient(gh, { redirect_uris: ['https://app.example/cb'], token_endpoint_auth_method: 'none', client_name: '<img src=x onerror=alert(1)>' }),
    );
    assert.ok(markup.includes('to connect “&lt;img src=x onerror=alert(1)&gt;”') && !markup.includes('<img'), 'the name only as text');

    const forged = await (await gh.fetch('/login?request=not-a-request')).text();
    assert.equal(heading(forged), 'Sign in to Gatehouse to connect an app', 'a request that is not ours names nothing');
    assert.equal(heading(await (await gh.fetch('/login')).text()), 'Sign in to Gatehouse');
  });

  it('shows what the client publishes about itself: its terms and policy as safe links, its id in a disclosure', async () => {
    const { browser } = await signedInBrowser(gh);
    const client = await registerClient(gh, {
      redirect_uris: ['https://app.example/cb'],
      token_endpoint_auth_method: 'none',
      client_name: 'Published Terms App',
      tos_uri: 'https://app.example/terms?lang=en&v="2"',
      policy_uri: 'http://app.example/privacy',
    });
    const { html } = await openConsent(browser, authorizationUrl(gh, client, withPkce()));
    assert.match(
      html,
      /<a class="terms" href="https:\/\/app\.example\/terms\?lang=en&amp;v=%222%22" target="_blank" rel="noopener noreferrer">terms of service/,
    );
    assert.match(html, /<a class="policy" href="http:\/\/app\.example\/privacy" target="_blank" rel="noopener noreferrer">privacy policy/);
    assert.match(html, new RegExp(`<details class="client"><summary>About this app</summary><dl><dt>Client ID</dt><dd><code>${client.client_id}</code>`));
    assert.match(html, /from <a href="\/account">your account page<\/a>/);

    // Registration takes only http(s); a row that holds anything else still never becomes a link.
    const stored = await storeClient(gh, 'odd-links', { client_name: 'Odd Links', tos_uri: 'javascript:alert(1)', policy_uri: 'data:text/html,<b>hi</b>' });
    const odd = (await openConsent(browser, authorizationUrl(gh, stored, withPkce()))).html;
    assert.doesNotMatch(odd, /class="(terms|policy)"|javascript:|data:text/);
    assert.doesNotMatch(odd, /publishes its/);
    assert.match(odd, /<code>odd-links<\/code>/);
  });
});

describe('“Not you?” on the consent page', () => {
  let gh: TestGatehouse;
  before(async () => {
    gh = await startGatehouse();
  });
  after(() => gh.close());

  const url = (path: string) => new URL(path, gh.baseUrl);
  const signedIn = async (browser: Browser) => (await browser.go(url('/account'))).url.pathname === '/account';

  async function consentPage() {
    const { browser, html: account } = await signedInBrowser(gh, ADMIN);
    const client = await registerClient(gh, { redirect_uris: ['https://app.example/cb'], token_endpoint_auth_method: 'none', client_name: 'Not You App' });
    const consent = await openConsent(browser, authorizationUrl(gh, client, withPkce()));
    const signOut = /<form id="sign-out" method="post" action="\/logout">(.*?)<\/form>/s.exec(consent.html)?.[1];
    assert.ok(signOut, 'a sign-out form, posted (never a link that signs out)');
    return { browser, consent, signOut: hiddenFields(signOut), accountCsrf: hiddenFields(account).csrf! };
  }

  it('is a button of a POST form carrying the page’s request', async () => {
    const { consent, signOut } = await consentPage();
    assert.match(consent.html, /Signed in to Gatehouse as <b>admin<\/b>\. <button class="link" type="submit" form="sign-out">Not you\?<\/button>/);
    assert.equal(signOut.request, consent.fields.request);
    assert.ok(signOut.csrf);
  });

  it('signs out and returns to the same authorization request', async () => {
    const { browser, signOut } = await consentPage();
    const before = await census(gh);
    const answer = await postForm(browser, url('/logout'), signOut);
    assert.equal(answer.status, 303);
    assert.equal(answer.headers.get('location'), `/login?request=${encodeURIComponent(signOut.request!)}`);
    assert.equal((await census(gh)).rows.sessions, before.rows.sessions - 1);
    assert.equal(await signedIn(browser), false);
    const login = await browser.go(url(answer.headers.get('location')!));
    assert.equal(heading(login.html!), 'Sign in to Gatehouse to connect “Not You App”');
    assert.equal(hiddenFields(login.html!).request, signOut.request, 'the next person signs in to the same request');
  });

  it('refuses a sign-out without the token, with a token for another subject, or from another site; the session stays', async () => {
    const { browser, signOut, accountCsrf } = await consentPage();
    const before = await census(gh);
    const refusals: [Record<string, string>, Record<string, string | null>][] = [
      [{ request: signOut.request! }, {}],
      [{ csrf: accountCsrf, request: signOut.request! }, {}],
      [{ csrf: signOut.csrf!, request: `${signOut.request!}x` }, {}],
      [{ csrf: signOut.csrf! }, {}],
      [signOut, { origin: 'https://evil.example' }],
      [signOut, { 'sec-fetch-site': 'cross-site', origin: null }],
    ];
    for (const [fields, headers] of refusals) {
      const answer = await postForm(browser, url('/logout'), fields, headers);
      assert.equal(answer.status, 403, JSON.stringify({ fields: Object.keys(fields), headers }));
      assert.equal(answer.headers.get('location'), null);
    }
    assert.deepEqual(await census(gh), before);
    assert.equal(await signedIn(browser), true);
  });

  it('does nothing on a GET', async () => {
    const { browser, signOut } = await consentPage();
    const answer = await browser.fetch(url(`/logout?${new URLSearchParams(signOut)}`));
    assert.equal(answer.status, 303);
    assert.equal(answer.headers.get('location'), '/account');
    assert.equal(await signedIn(browser), true);
  });
});

describe('an unexpected failure behind a page', () => {
  let gh: TestGatehouse;
  before(async () => {
    gh = await startGatehouse();
  });
  after(() => gh.close());

  it('shows a browser a page with the request id, no detail, and still gives API clients JSON', async () => {
    const { browser } = await signedInBrowser(gh);
    // The database goes away under a signed-in browser: reading its session fails.
    await gh.gatehouse.storage.db.destroy();
    const page = await browser.fetch(new URL('/account', gh.baseUrl), { headers: AS_BROWSER });
    assert.equal(page.status, 500);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    const html = await page.text();
    const requestId = page.headers.get('x-request-id')!;
    assert.ok(html.startsWith('<!doctype html>'));
    assert.match(heading(html), /Something went wrong/);
    assert.ok(html.includes(requestId), 'the reference to quote to an administrator');
    assert.doesNotMatch(html, /at \S+ \(|destroyed|Kysely|sqlite/i);
    const api = await browser.fetch(new URL('/account', gh.baseUrl), { headers: { accept: 'application/json' } });
    assert.equal(api.status, 500);
    assert.equal(((await api.json()) as { error: string }).error, 'server_error');
  });
});
