// The Connections section of /account: the secrets upstream servers declare, saved, replaced and removed through
// its forms. Until the gateway's servers file is wired into the app, the account routes run here on their own, in
// a small Hono app with the real sessions, CSRF protection, audit and storage (a SQLite file, or PostgreSQL).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import { createAudit } from '../../src/audit.js';
import { ConnectionSecrets } from '../../src/identity/connection-secrets.js';
import { accountRoutes, type ConnectionServer } from '../../src/identity/account.js';
import { Cookies } from '../../src/identity/cookies.js';
import { CsrfProtection } from '../../src/identity/csrf.js';
import { SessionManager } from '../../src/identity/sessions.js';
import { deriveKey } from '../../src/keys/secrets.js';
import { createLogger } from '../../src/log.js';
import { openStorage, type Storage } from '../../src/storage/index.js';
import { Browser, hiddenFields } from '../helpers/browser.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { TEST_JWT_SECRET } from '../helpers/gatehouse.js';

const SERVERS: ConnectionServer[] = [
  { name: 'github', description: 'GitHub issues and pull requests', secrets: { GITHUB_TOKEN: 'A GitHub token with the repo scope' } },
  { name: 'linear', secrets: { LINEAR_API_KEY: 'A Linear personal API key', LINEAR_TEAM: 'Your team key' } },
  { name: 'memory', secrets: {} },
];
const TOKEN = 'ghp_PastedOnceNeverShown_0123456789abcdef';

interface AccountApp {
  baseUrl: string;
  storage: Storage;
  /** A browser signed in as a fresh user, with that user's id. */
  signIn(username: string): Promise<{ browser: Browser; userId: string }>;
  close(): Promise<void>;
}

async function startAccountApp(connections: { servers: ConnectionServer[] } | undefined): Promise<AccountApp> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-account-connections-'));
  const database: TestDatabase = await createTestDatabase(dir);
  const storage = await openStorage(database.url);
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const cookies = new Cookies(baseUrl);
  const sessions = new SessionManager(storage.sessions, cookies, 3600);
  const app = new Hono();
  // Stands in for the sign-in page: starts a real session for the user named.
  app.get('/test/sign-in/:userId', async (c) => {
    await sessions.start(c, c.req.param('userId'));
    return c.redirect('/account', 303);
  });
  app.route(
    '/',
    accountRoutes({
      storage,
      sessions,
      csrf: new CsrfProtection(deriveKey(TEST_JWT_SECRET, 'csrf'), cookies, baseUrl),
      audit: createAudit(storage, createLogger('silent'), 0),
      connections: connections && {
        servers: connections.servers,
        secrets: new ConnectionSecrets(storage.upstreamSecrets, deriveKey(TEST_JWT_SECRET, 'upstream-secrets')),
      },
    }),
  );
  server.on('request', getRequestListener(app.fetch));
  return {
    baseUrl,
    storage,
    async signIn(username) {
      const user = await storage.users.create({ username, passwordHash: 'x' });
      const browser = new Browser();
      const page = await browser.go(new URL(`/test/sign-in/${user.id}`, baseUrl));
      assert.equal(page.url.pathname, '/account');
      return { browser, userId: user.id };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await storage.close();
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Posts a form the way the browser does, without following the redirect. */
const post = (browser: Browser, url: URL, fields: Record<string, string>) =>
  browser.fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: url.origin },
    body: new URLSearchParams(fields).toString(),
  });

describe('account page: connections', () => {
  let gh: AccountApp;
  before(async () => {
    gh = await startAccountApp({ servers: SERVERS });
  });
  after(() => gh.close());

  const url = (path: string) => new URL(path, gh.baseUrl);
  const stored = () => gh.storage.db.selectFrom('upstream_secrets').selectAll().execute();
  const events = async (userId: string) =>
    (await gh.storage.audit.list({ limit: 50, userId })).filter((event) => event.type.startsWith('upstream_secret.')).reverse();

  it('lists each declared secret with its description, not set, with a password input and no remove button', async () => {
    const { browser } = await gh.signIn('lister');
    const page = await browser.go(url('/account'));
    const html = page.html!;
    assert.match(html, /<section id="connections">/);
    assert.match(html, /<h3>github<\/h3>/);
    assert.match(html, /GitHub issues and pull requests/);
    assert.match(html, /<code>GITHUB_TOKEN<\/code>/);
    assert.match(html, /A GitHub token with the repo scope/);
    assert.match(html, /<code>LINEAR_API_KEY<\/code>/);
    assert.match(html, /<code>LINEAR_TEAM<\/code>/);
    assert.doesNotMatch(html, /<h3>memory<\/h3>/, 'a server that declares no secret is not listed');
    assert.equal([...html.matchAll(/not set/g)].length, 3);
    assert.equal([...html.matchAll(/<input type="password" name="value" autocomplete="off"/g)].length, 3);
    assert.doesNotMatch(html, /\/account\/connections\/remove/);
  });

  it('saves a value once, redirects back with a confirmation, and never shows it again', async () => {
    const { browser, userId } = await gh.signIn('saver');
    const page = await browser.go(url('/account'));
    const saved = await post(browser, url('/account/connections/save'), {
      csrf: hiddenFields(page.html!).csrf!,
      server: 'github',
      name: 'GITHUB_TOKEN',
      value: TOKEN,
    });
    assert.equal(saved.status, 303);
    const location = new URL(saved.headers.get('location')!, gh.baseUrl);
    assert.equal(location.pathname, '/account');
    assert.equal(location.hash, '#connections');
    assert.ok(!location.href.includes(TOKEN));

    const back = await browser.go(location);
    assert.match(back.html!, /GITHUB_TOKEN for github saved\./);
    assert.match(back.html!, /saved \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    assert.match(back.html!, /Remove GITHUB_TOKEN for github/);
    assert.match(back.html!, />Replace</);
    assert.ok(!back.html!.includes(TOKEN), 'the page never shows the value');
    assert.ok(!JSON.stringify(await stored()).includes(TOKEN), 'stored only encrypted');
    assert.deepEqual(
      (await events(userId)).map((event) => [event.type, event.detail]),
      [['upstream_secret.saved', { server: 'github', name: 'GITHUB_TOKEN' }]],
    );
    assert.ok(!JSON.stringify(await gh.storage.audit.list({ limit: 100 })).includes(TOKEN), 'nor audited');
  });

  it('replaces a value, then removes it', async () => {
    const { browser, userId } = await gh.signIn('replacer');
    const csrf = hiddenFields((await browser.go(url('/account'))).html!).csrf!;
    const fields = { csrf, server: 'linear', name: 'LINEAR_API_KEY' };
    assert.equal((await post(browser, url('/account/connections/save'), { ...fields, value: 'lin_first' })).status, 303);
    assert.equal((await post(browser, url('/account/connections/save'), { ...fields, value: 'lin_second' })).status, 303);
    const rows = (await stored()).filter((row) => row.user_id === userId);
    assert.equal(rows.length, 1, 'replaced in place');

    const removed = await post(browser, url('/account/connections/remove'), fields);
    assert.equal(removed.status, 303);
    const back = await browser.go(new URL(removed.headers.get('location')!, gh.baseUrl));
    assert.match(back.html!, /LINEAR_API_KEY for linear removed\./);
    assert.equal([...back.html!.matchAll(/not set/g)].length, 3);
    assert.deepEqual(
      (await stored()).filter((row) => row.user_id === userId),
      [],
    );
    assert.deepEqual(
      (await events(userId)).map((event) => event.type),
      ['upstream_secret.saved', 'upstream_secret.saved', 'upstream_secret.removed'],
    );
  });

  it('refuses a bad value with a message on the page, without echoing it or storing anything', async () => {
    const { browser, userId } = await gh.signIn('typo');
    const csrf = hiddenFields((await browser.go(url('/account'))).html!).csrf!;
    const value = 'ghp_first_line\r\nX-Injected: yes';
    const refused = await post(browser, url('/account/connections/save'), { csrf, server: 'github', name: 'GITHUB_TOKEN', value });
    assert.equal(refused.status, 400);
    const html = await refused.text();
    assert.match(html, /role="alert">The value contains a line break or another control character\./);
    assert.ok(!html.includes('ghp_first_line') && !html.includes('X-Injected'), 'the value is not echoed');
    assert.deepEqual(
      (await stored()).filter((row) => row.user_id === userId),
      [],
    );
    assert.deepEqual(await events(userId), []);
  });

  it('answers 400 for an unknown server or an undeclared secret, and changes nothing', async () => {
    const { browser, userId } = await gh.signIn('prober');
    const csrf = hiddenFields((await browser.go(url('/account'))).html!).csrf!;
    for (const [path, fields] of [
      ['/account/connections/save', { server: 'nowhere', name: 'GITHUB_TOKEN', value: 'x' }],
      ['/account/connections/save', { server: 'github', name: 'AWS_SECRET_ACCESS_KEY', value: 'x' }],
      ['/account/connections/save', { server: 'memory', name: 'anything', value: 'x' }],
      ['/account/connections/save', { server: 'github', name: '__proto__', value: 'x' }],
      ['/account/connections/save', { value: 'x' }],
      ['/account/connections/remove', { server: 'nowhere', name: 'GITHUB_TOKEN' }],
      ['/account/connections/remove', { server: 'github', name: 'constructor' }],
    ] as const) {
      const response = await post(browser, url(path), { csrf, ...fields });
      assert.equal(response.status, 400, `${path} ${JSON.stringify(fields)}`);
      assert.match(await response.text(), /No server here asks for that secret/);
    }
    assert.deepEqual(
      (await stored()).filter((row) => row.user_id === userId),
      [],
    );
    assert.deepEqual(await events(userId), []);
  });

  it('refuses a post with a forged CSRF token, from another site or browser, and sends a signed-out one to sign in', async () => {
    const { browser, userId } = await gh.signIn('victim');
    const fields = { server: 'github', name: 'GITHUB_TOKEN', value: 'ghp_attacker' };
    assert.equal((await post(browser, url('/account/connections/save'), { ...fields, csrf: 'forged' })).status, 403);
    const csrf = hiddenFields((await browser.go(url('/account'))).html!).csrf!;
    const crossSite = await browser.fetch(url('/account/connections/save'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
      body: new URLSearchParams({ ...fields, csrf }).toString(),
    });
    assert.equal(crossSite.status, 403);
    assert.deepEqual(
      (await stored()).filter((row) => row.user_id === userId),
      [],
    );

    const stranger = new Browser();
    assert.equal((await post(stranger, url('/account/connections/save'), { ...fields, csrf })).status, 403, 'another browser’s token is refused');

    // The session ends (signed out elsewhere) while the page is open: the form leads to the sign-in page.
    await gh.storage.db.deleteFrom('sessions').where('user_id', '=', userId).execute();
    const signedOut = await post(browser, url('/account/connections/save'), { ...fields, csrf });
    assert.equal(signedOut.status, 303);
    assert.equal(signedOut.headers.get('location'), '/login');
    assert.deepEqual(
      (await stored()).filter((row) => row.user_id === userId),
      [],
    );
  });

  it('ignores a crafted confirmation about something no server declares', async () => {
    const { browser } = await gh.signIn('reader');
    const page = await browser.go(url('/account?done=saved&server=evil&name=Your%20password%20was%20reset#connections'));
    assert.doesNotMatch(page.html!, /Your password was reset/);
    assert.doesNotMatch(page.html!, /role="status"/);
  });
});

describe('account page without connections', () => {
  let gh: AccountApp;
  before(async () => {
    gh = await startAccountApp(undefined);
  });
  after(() => gh.close());

  it('has no Connections section and no connection forms', async () => {
    const { browser } = await gh.signIn('plain');
    const page = await browser.go(new URL('/account', gh.baseUrl));
    assert.match(page.html!, /Connected apps/);
    assert.doesNotMatch(page.html!, /id="connections"/);
    const csrf = hiddenFields(page.html!).csrf!;
    const posted = await post(browser, new URL('/account/connections/save', gh.baseUrl), { csrf, server: 'github', name: 'GITHUB_TOKEN', value: 'x' });
    assert.equal(posted.status, 404);
  });
});
