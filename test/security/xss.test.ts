// Attacks the pages with cross-site scripting: a client registers a name and a private-use redirect URI full of
// markup at /register, and a crafted link carries markup in scope, state, request and username. Whatever is shown must come out as text on the consent,
// account, sign-in and error pages, and every page must forbid script and framing in its headers regardless.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Browser, hiddenFields } from '../helpers/browser.js';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { authorizationUrl, obtainTokens, pkce, registerClient, type RegisteredClient } from '../helpers/oauth.js';
import { openConsent, postForm, signedInBrowser } from './support.js';

const PAYLOADS = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "'><svg onload=alert(1)>",
  '" autofocus onfocus="alert(1)',
  'javascript:alert(document.cookie)',
  '</title><script src=//evil.example/x.js></script>',
];

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

const TAG = /<([a-zA-Z][\w-]*)((?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?)*)\s*\/?>/g;
const ATTRIBUTE = /([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g;

/** The attributes of every start tag, read the way a browser tokenizes them (quoted values stay values). */
function attributesOf(html: string): { tag: string; name: string; value: string }[] {
  const found: { tag: string; name: string; value: string }[] = [];
  for (const [, tag, attributes] of html.matchAll(TAG)) {
    for (const [, name, double, single, bare] of (attributes ?? '').matchAll(ATTRIBUTE)) {
      found.push({ tag: tag!.toLowerCase(), name: name!.toLowerCase(), value: double ?? single ?? bare ?? '' });
    }
  }
  return found;
}

/** No element, event handler or script URL came through, and the payload itself is nowhere raw. */
function assertInert(html: string, payload: string) {
  // Escaped text never holds a raw "<", so any of these would be a real element.
  assert.doesNotMatch(html, /<(script|img|svg|iframe|object|embed)\b/i, 'an injected element');
  for (const { tag, name, value } of attributesOf(html)) {
    assert.doesNotMatch(name, /^on/, `an event-handler attribute on <${tag}>`);
    if (['href', 'src', 'action', 'formaction'].includes(name)) assert.doesNotMatch(value, /^\s*javascript:/i, `a javascript: URL in <${tag} ${name}>`);
  }
  if (/[<>"'&]/.test(payload)) assert.ok(!html.includes(payload), `the raw payload ${payload}`);
}

/** Shown, but only as escaped text. */
function assertShownEscaped(html: string, payload: string) {
  assertInert(html, payload);
  assert.ok(html.includes(escapeHtml(payload)), `the escaped payload ${escapeHtml(payload)}`);
}

function parseCsp(header: string): Map<string, string[]> {
  const directives = new Map<string, string[]>();
  for (const part of header.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) directives.set(name.toLowerCase(), sources);
  }
  return directives;
}

/** An HTML page that runs no script (no script-src, so default-src 'none' applies), is never framed, never sniffed. */
function assertPageHeaders(response: Response) {
  assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
  const header = response.headers.get('content-security-policy');
  assert.ok(header, 'a Content-Security-Policy');
  const csp = parseCsp(header);
  assert.deepEqual(csp.get('default-src'), ["'none'"]);
  for (const directive of ['script-src', 'script-src-elem', 'script-src-attr']) assert.equal(csp.has(directive), false, directive);
  assert.ok(!header.includes("'unsafe-inline'") && !header.includes("'unsafe-eval'"), header);
  assert.deepEqual(csp.get('frame-ancestors'), ["'none'"]);
  assert.deepEqual(csp.get('base-uri'), ["'none'"]);
  assert.equal(response.headers.get('x-frame-options'), 'DENY');
  assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
}

describe('XSS', () => {
  let gh: TestGatehouse;
  let victim: Browser;
  const withPkce = { code_challenge: pkce().challenge, code_challenge_method: 'S256' };
  const registerNamed = (client_name: string, extra: object = {}) =>
    registerClient(gh, { redirect_uris: ['https://app.example/cb'], token_endpoint_auth_method: 'none', client_name, ...extra });

  before(async () => {
    gh = await startGatehouse();
    ({ browser: victim } = await signedInBrowser(gh));
  });
  after(() => gh.close());

  it('shows a client_name full of markup only escaped on the consent page', async () => {
    for (const payload of PAYLOADS) {
      const client = (await registerNamed(payload)) as RegisteredClient & { client_name: string };
      assert.equal(client.client_name, payload, 'registration stores the name as given');
      const consent = await openConsent(victim, authorizationUrl(gh, client, withPkce));
      assertShownEscaped(consent.html, payload);
      assert.ok(consent.html.includes(`Allow ${escapeHtml(payload)} to access your Gatehouse account?`));
      assertPageHeaders(consent.page);
    }
  });

  it('lists connected apps with markup names only escaped on /account', async () => {
    for (const payload of PAYLOADS) await obtainTokens(gh, { client: await registerNamed(`app ${payload}`), browser: victim });
    const account = await victim.go(new URL('/account', gh.baseUrl));
    assert.equal(account.page!.status, 200);
    for (const payload of PAYLOADS) assertShownEscaped(account.html!, `app ${payload}`);
    assertPageHeaders(account.page!);
  });

  it('shows a private-use redirect URI carrying markup only escaped, on the consent and account pages', async () => {
    const redirects = PAYLOADS.filter((payload) => !payload.includes('#')).map((payload) => `x-app:${payload}`);
    for (const [index, redirect] of redirects.entries()) {
      const client = await registerNamed(`Private scheme ${index}`, { redirect_uris: [redirect] });
      const consent = await openConsent(victim, authorizationUrl(gh, client, withPkce));
      assertShownEscaped(consent.html, redirect);
      assertPageHeaders(consent.page);
      await obtainTokens(gh, { client, browser: victim });
    }
    const account = await victim.go(new URL('/account', gh.baseUrl));
    for (const redirect of redirects) assertShownEscaped(account.html!, redirect);
  });

  it('keeps markup in scope and state off the consent page, and returns state to the client byte for byte', async () => {
    const client = await registerNamed('Scope and state target');
    for (const payload of PAYLOADS) {
      const consent = await openConsent(victim, authorizationUrl(gh, client, { ...withPkce, scope: `mcp:tools ${payload}`, state: payload }));
      assertInert(consent.html, payload);
      assert.ok(consent.html.includes('>mcp:tools</code>'));
      assert.ok(!consent.html.includes('>mcp:resources</code>'), 'only the known scope that was asked for is shown');
      assertPageHeaders(consent.page);

      const answer = await victim.submit(new URL('/consent', gh.baseUrl), { ...consent.fields, decision: 'approve' });
      const location = answer.leftTo!;
      assert.equal(location.origin + location.pathname, 'https://app.example/cb');
      assert.equal(location.searchParams.get('state'), payload);
      assert.doesNotMatch(location.href, /[<>"' ]/, 'state is percent-encoded in the redirect');
    }
  });

  it('escapes the request parameter reflected on /login and a refused username', async () => {
    for (const payload of PAYLOADS) {
      const visitor = new Browser();
      const login = await visitor.go(new URL(`/login?request=${encodeURIComponent(payload)}`, gh.baseUrl));
      assert.equal(login.page!.status, 200);
      assertShownEscaped(login.html!, payload);
      assertPageHeaders(login.page!);
      assert.equal(hiddenFields(login.html!).request, payload, 'the value survives as text in its hidden field');

      const refused = await postForm(visitor, new URL('/login', gh.baseUrl), { ...hiddenFields(login.html!), username: payload, password: 'wrong password' });
      assert.equal(refused.status, 401);
      assertPageHeaders(refused);
      assertShownEscaped(await refused.text(), payload);
    }
  });

  it('escapes what error pages repeat from the request', async () => {
    for (const payload of PAYLOADS) {
      const name = encodeURIComponent(payload);
      const duplicated = await gh.fetch(`/authorize?${name}=1&${name}=2`);
      assert.equal(duplicated.status, 400);
      assertPageHeaders(duplicated);
      const html = await duplicated.text();
      assert.match(html, /included more than once/);
      assertShownEscaped(html, payload);

      const unknownClient = await gh.fetch(`/authorize?client_id=${name}&redirect_uri=${name}&state=${name}`);
      assert.equal(unknownClient.status, 400);
      assertPageHeaders(unknownClient);
      assertInert(await unknownClient.text(), payload);

      const badRequest = await victim.fetch(new URL(`/consent?request=${name}`, gh.baseUrl));
      assert.equal(badRequest.status, 400);
      assertPageHeaders(badRequest);
      assertInert(await badRequest.text(), payload);
    }
  });

  it("never turns a dynamic client's logo_uri into an image, nor its redirect URI into CSP directives", async () => {
    const redirect = "https://app.example/cb?x=;script-src 'unsafe-inline' *";
    const client = await registerNamed('Logo and CSP target', {
      redirect_uris: [redirect],
      logo_uri: 'https://evil.example/"><script>alert(1)</script>',
    });
    const consent = await openConsent(victim, authorizationUrl(gh, client, withPkce));
    assert.doesNotMatch(consent.html, /<img/i);
    assertInert(consent.html, '"><script>alert(1)</script>');
    assertPageHeaders(consent.page);
    const csp = parseCsp(consent.page.headers.get('content-security-policy')!);
    assert.deepEqual(csp.get('form-action'), ["'self'", 'https://app.example']);
    assert.deepEqual(csp.get('img-src'), ["'self'"]);
  });

  it('serves JSON answers that repeat input as JSON, with nosniff', async () => {
    const payload = PAYLOADS[0]!;
    const client = await registerNamed('JSON target');
    const notFound = await gh.fetch(`/${encodeURIComponent(payload)}`);
    const token = await gh.fetch('/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: payload, client_id: client.client_id }),
    });
    assert.equal(notFound.status, 404);
    assert.equal(token.status, 400);
    for (const response of [notFound, token]) {
      assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    }
    assert.equal((await notFound.json()).error, 'not_found');
    const refusal = await token.json();
    assert.equal(refusal.error, 'unsupported_grant_type');
    assert.ok(refusal.error_description.includes(payload), 'the JSON does repeat the payload, which is why its type matters');
  });
});
