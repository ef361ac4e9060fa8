// Client ID Metadata Documents: Claude's pinned document end to end, documents fetched from a local server (with
// CIMD_ALLOW_LOCAL), every way a document can be wrong, caching, private_key_jwt, and the consent page.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { Browser, hiddenFields, signInAndDecide } from '../helpers/browser.js';
import { createLogger } from '../../src/log.js';
import { ADMIN, startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { mcpPost, pkce, tokenRequest } from '../helpers/oauth.js';

const CLAUDE = 'https://claude.ai/oauth/mcp-oauth-client-metadata';
const CLAUDE_CODE = 'https://claude.ai/oauth/claude-code-client-metadata';

/** A document server on 127.0.0.1: each path answers as its handler says, and every hit is counted. */
async function startDocumentServer(routes: Record<string, (url: string, res: import('node:http').ServerResponse) => void>) {
  const hits: Record<string, number> = {};
  let base = '';
  const server: Server = createServer((req, res) => {
    hits[req.url!] = (hits[req.url!] ?? 0) + 1;
    const route = routes[req.url!];
    if (route) route(`${base}${req.url}`, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, hits, close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))) };
}

const json =
  (body: unknown, headers: Record<string, string> = {}) =>
  (_url: string, res: import('node:http').ServerResponse) =>
    res.writeHead(200, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
const doc = (url: string, extra: Record<string, unknown> = {}) => ({
  client_id: url,
  client_name: 'Doc App',
  redirect_uris: ['https://app.example/callback'],
  token_endpoint_auth_method: 'none',
  ...extra,
});

function authorizeUrl(gh: TestGatehouse, clientId: string, redirectUri: string, challenge: string) {
  const url = new URL('/authorize', gh.baseUrl);
  for (const [key, value] of Object.entries({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: 's1',
  })) {
    url.searchParams.set(key, value);
  }
  return url;
}

async function assertRefusedOnPage(gh: TestGatehouse, clientId: string, redirectUri: string, reason: RegExp): Promise<string> {
  const response = await fetch(authorizeUrl(gh, clientId, redirectUri, pkce().challenge), { redirect: 'manual' });
  assert.equal(response.status, 400, 'an error page, not a redirect');
  assert.equal(response.headers.get('location'), null);
  const page = await response.text();
  assert.match(page, reason);
  return page;
}

describe('client ID metadata documents: pinned', () => {
  let gh: TestGatehouse;
  before(async () => {
    gh = await startGatehouse();
  });
  after(() => gh.close());

  it('connects Claude by its metadata document: no registration, auth method none, PKCE', async () => {
    const { verifier, challenge } = pkce();
    const callback = await signInAndDecide(authorizeUrl(gh, CLAUDE, 'https://claude.ai/api/mcp/auth_callback', challenge));
    assert.equal(callback.origin + callback.pathname, 'https://claude.ai/api/mcp/auth_callback');
    const response = await tokenRequest(gh, {
      grant_type: 'authorization_code',
      code: callback.searchParams.get('code')!,
      code_verifier: verifier,
      redirect_uri: 'https://claude.ai/api/mcp/auth_callback',
      client_id: CLAUDE,
    });
    assert.equal(response.status, 200);
    const tokens = await response.json();
    const call = await mcpPost(gh.mcpUrl, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, tokens.access_token);
    assert.equal(call.status, 200);
    const dynamic = await gh.gatehouse.storage.db.selectFrom('clients').select('client_id').where('kind', '=', 'dynamic').execute();
    assert.deepEqual(dynamic, [], 'nothing was registered');
  });

  it('accepts Claude Code on a loopback port it picked, and refuses other redirects without redirecting', async () => {
    const { challenge } = pkce();
    const ok = await fetch(authorizeUrl(gh, CLAUDE_CODE, 'http://localhost:54321/callback', challenge), { redirect: 'manual' });
    assert.equal(ok.status, 303);
    await assertRefusedOnPage(gh, CLAUDE, 'https://evil.example/callback', /not registered/);
  });

  it('shows the publisher and, for a loopback-only client, a warning on the consent page', async () => {
    const browser = new Browser();
    const login = await browser.go(authorizeUrl(gh, CLAUDE_CODE, 'http://127.0.0.1:40000/callback', pkce().challenge));
    const consent = await browser.submit(new URL('/login', gh.baseUrl), { ...hiddenFields(login.html!), username: ADMIN.username, password: ADMIN.password });
    assert.match(consent.html!, /Allow Claude Code to access your Gatehouse account\?/);
    assert.match(consent.html!, /described by <span class="host">claude\.ai<\/span>/);
    assert.match(consent.html!, /runs on your own computer/);
    const claude = await browser.go(authorizeUrl(gh, CLAUDE, 'https://claude.ai/api/mcp/auth_callback', pkce().challenge));
    assert.doesNotMatch(claude.html!, /runs on your own computer/);
  });

  it('advertises metadata document support with the none auth method, as Claude requires', async () => {
    const metadata = await (await gh.fetch('/.well-known/oauth-authorization-server')).json();
    assert.equal(metadata.client_id_metadata_document_supported, true);
    assert.ok(metadata.token_endpoint_auth_methods_supported.includes('none'));
  });
});

describe('client ID metadata documents: fetched', () => {
  let gh: TestGatehouse;
  let docs: Awaited<ReturnType<typeof startDocumentServer>>;
  let keys: Awaited<ReturnType<typeof generateKeyPair>>;
  const url = (path: string) => `${docs.base}${path}`;

  before(async () => {
    keys = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'ES256' };
    docs = await startDocumentServer({
      '/good': (u, res) => json(doc(u, { logo_uri: `${docs.base}/logo.png` }), { 'cache-control': 'max-age=60' })(u, res),
      '/foreign-logo': (u, res) => json(doc(u, { logo_uri: 'https://evil.example/logo.png' }))(u, res),
      '/uncached': (u, res) => json(doc(u), { 'cache-control': 'no-store' })(u, res),
      '/mismatch': (_u, res) => json(doc('https://someone-else.example/doc'))(_u, res),
      '/large': (u, res) => json(doc(u, { client_uri: `https://app.example/${'x'.repeat(6000)}` }))(u, res),
      '/slow': (u, res) => setTimeout(() => json(doc(u))(u, res), 6000),
      '/redirect': (_u, res) => res.writeHead(302, { location: '/good' }).end(),
      '/not-json': (_u, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"client_id":'),
      '/secret': (u, res) => json(doc(u, { token_endpoint_auth_method: 'client_secret_post' }))(u, res),
      '/nameless': (u, res) => json({ ...doc(u), client_name: undefined })(u, res),
      '/jwt': (u, res) => json(doc(u, { token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [jwk] } }))(u, res),
    });
    gh = await startGatehouse({ CIMD_ALLOW_LOCAL: 'true' });
  });
  after(async () => {
    await gh?.close();
    await docs?.close();
  });

  it('fetches, validates and uses a document, then serves it from cache as its Cache-Control allows', async () => {
    const { verifier, challenge } = pkce();
    const callback = await signInAndDecide(authorizeUrl(gh, url('/good'), 'https://app.example/callback', challenge));
    const response = await tokenRequest(gh, {
      grant_type: 'authorization_code',
      code: callback.searchParams.get('code')!,
      code_verifier: verifier,
      redirect_uri: 'https://app.example/callback',
      client_id: url('/good'),
    });
    assert.equal(response.status, 200);
    assert.equal(docs.hits['/good'], 1, 'authorize, consent and token used the cached copy');

    await signInAndDecide(authorizeUrl(gh, url('/uncached'), 'https://app.example/callback', challenge));
    assert.ok(docs.hits['/uncached']! >= 2, 'a no-store document is fetched each time it is needed');
  });

  it('refuses a wrong document on an error page, never redirecting to its unverified redirect URI', async () => {
    await assertRefusedOnPage(gh, url('/mismatch'), 'https://app.example/callback', /its client_id is/);
    await assertRefusedOnPage(gh, url('/large'), 'https://app.example/callback', /larger than 5120 bytes/);
    await assertRefusedOnPage(gh, url('/redirect'), 'https://app.example/callback', /redirects are not followed/);
    await assertRefusedOnPage(gh, url('/not-json'), 'https://app.example/callback', /not valid JSON/);
    await assertRefusedOnPage(gh, url('/secret'), 'https://app.example/callback', /token_endpoint_auth_method/);
    await assertRefusedOnPage(gh, url('/nameless'), 'https://app.example/callback', /client_name is missing/);
    await assertRefusedOnPage(gh, url('/missing'), 'https://app.example/callback', /answered 404/);
    await assertRefusedOnPage(gh, url('/good'), 'https://evil.example/callback', /not registered/);
  });

  it('gives up on a slow document after 5 s', { timeout: 15_000 }, async () => {
    const started = Date.now();
    await assertRefusedOnPage(gh, url('/slow'), 'https://app.example/callback', /could not be fetched from a public address/);
    assert.ok(Date.now() - started < 7000);
  });

  it("shows a logo only from the document's own origin", async () => {
    const pageFor = async (clientId: string) => {
      const browser = new Browser();
      const login = await browser.go(authorizeUrl(gh, clientId, 'https://app.example/callback', pkce().challenge));
      const consent = await browser.submit(new URL('/login', gh.baseUrl), { ...hiddenFields(login.html!), username: ADMIN.username, password: ADMIN.password });
      return consent;
    };
    const own = await pageFor(url('/good'));
    assert.match(own.html!, new RegExp(`<img class="logo" src="${docs.base}/logo.png"`));
    assert.match(own.page!.headers.get('content-security-policy')!, new RegExp(`img-src 'self' ${docs.base}`));
    const foreign = await pageFor(url('/foreign-logo'));
    assert.doesNotMatch(foreign.html!, /<img/);
  });

  it('authenticates a private_key_jwt client by its signed assertion, once', async () => {
    const clientId = url('/jwt');
    const assertion = () =>
      new SignJWT({ jti: crypto.randomUUID() })
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .setIssuer(clientId)
        .setSubject(clientId)
        .setAudience(`${gh.baseUrl}/token`)
        .setIssuedAt()
        .setExpirationTime('2m')
        .sign(keys.privateKey);
    const exchange = async (clientAssertion: string) => {
      const { verifier, challenge } = pkce();
      const callback = await signInAndDecide(authorizeUrl(gh, clientId, 'https://app.example/callback', challenge));
      return tokenRequest(gh, {
        grant_type: 'authorization_code',
        code: callback.searchParams.get('code')!,
        code_verifier: verifier,
        redirect_uri: 'https://app.example/callback',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: clientAssertion,
      });
    };
    const signed = await assertion();
    assert.equal((await exchange(signed)).status, 200);
    const replay = await exchange(signed);
    assert.equal(replay.status, 401);
    assert.match((await replay.json()).error_description, /already used/);
    const stranger = await generateKeyPair('ES256');
    const forged = await new SignJWT({ jti: 'x' })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(gh.baseUrl)
      .setIssuedAt()
      .setExpirationTime('2m')
      .sign(stranger.privateKey);
    assert.equal((await exchange(forged)).status, 401);
  });
});

describe('client ID metadata documents: server-side request forgery', () => {
  let gh: TestGatehouse;
  const logged: Record<string, unknown>[] = [];
  let connections = 0;
  let trap: Server;
  let port = 0;
  before(async () => {
    // CIMD_ALLOW_LOCAL unset: only public https documents.
    gh = await startGatehouse({}, { logger: createLogger('info', { write: (line: string) => void logged.push(JSON.parse(line)) }) });
    trap = createServer(() => undefined);
    trap.on('connection', (socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
    port = (trap.address() as AddressInfo).port;
  });
  after(async () => {
    await gh.close();
    trap.close();
  });

  it('refuses documents on loopback, private, link-local and reserved addresses without connecting, in every IPv6 spelling', async () => {
    for (const clientId of [
      `https://127.0.0.1:${port}/doc`,
      `https://localhost:${port}/doc`,
      'https://10.0.0.1/doc',
      'https://169.254.169.254/latest/meta-data',
      'https://[::1]/doc',
      'https://192.168.1.1/doc',
      'https://[fd00::1]/doc',
      // IPv6 addresses that embed an IPv4 one: IPv4-compatible, IPv4-mapped (both spellings), NAT64, 6to4.
      `https://[::127.0.0.1]:${port}/doc`,
      `https://[::ffff:127.0.0.1]:${port}/doc`,
      `https://[::ffff:7f00:1]:${port}/doc`,
      `https://[::ffff:0:127.0.0.1]:${port}/doc`,
      `https://[64:ff9b::127.0.0.1]:${port}/doc`,
      `https://[2002:7f00:1::1]:${port}/doc`,
      'https://[::ffff:169.254.169.254]/latest/meta-data',
    ]) {
      const started = Date.now();
      const page = await assertRefusedOnPage(gh, clientId, 'https://app.example/callback', /could not be fetched from a public address/);
      assert.doesNotMatch(
        page,
        /resolves|127\.0\.0\.1|::|ENOTFOUND|EAI_AGAIN|getaddrinfo|ECONN/,
        `${clientId}: the page names no address and no resolver error`,
      );
      assert.ok(Date.now() - started < 2000, `${clientId} was refused at once`);
    }
    await sleep(50);
    assert.equal(connections, 0, 'the listener on 127.0.0.1 was never reached');
  });

  it('names no address or resolver error at the token endpoint either, and keeps the detail in the log', async () => {
    const response = await tokenRequest(gh, {
      grant_type: 'authorization_code',
      code: 'x',
      code_verifier: 'y'.repeat(43),
      redirect_uri: 'https://app.example/callback',
      client_id: `https://localhost:${port}/doc`,
    });
    assert.equal(response.status, 401);
    const body = await response.json();
    assert.equal(body.error, 'invalid_client');
    assert.equal(body.error_description, 'the client metadata document could not be used: it could not be fetched from a public address');
    const refusal = logged.find((line) => line.msg === 'refused' && line.path === '/token');
    assert.match(String(refusal?.detail), /localhost resolves to 127\.0\.0\.1, which is not a public address/);
    const onPage = logged.find((line) => line.msg === 'refused' && line.path === '/authorize' && String(line.detail).includes('::ffff:7f00:1'));
    assert.ok(onPage, 'the page refusal is logged with its detail too');
  });

  it('does not fetch http:// documents', async () => {
    const response = await fetch(authorizeUrl(gh, 'http://app.example/doc', 'https://app.example/callback', pkce().challenge), { redirect: 'manual' });
    assert.equal(response.status, 400);
    assert.match(await response.text(), /not registered/);
  });
});
