// What the attacker-style suites share: a census of what is stored (to prove a refusal changed nothing), the
// standard refusals they expect, and a browser that plays a signed-in victim.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Browser, hiddenFields } from '../helpers/browser.js';
import { tableNames } from '../helpers/database.js';
import { ADMIN, type TestGatehouse } from '../helpers/gatehouse.js';

export const TABLES = ['users', 'clients', 'grants', 'authorization_codes', 'refresh_tokens', 'signing_keys', 'sessions', 'notes'] as const;
export type Table = (typeof TABLES)[number];

/** Every application table with its row count, plus the names of all tables, so a dropped one shows too. */
export async function census(gh: TestGatehouse): Promise<{ tables: string[]; rows: Record<Table, number> }> {
  const db = gh.gatehouse.storage.db;
  const names = await tableNames(db);
  const rows = {} as Record<Table, number>;
  for (const table of TABLES) {
    rows[table] = Number(
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  }
  return { tables: names, rows };
}

/** How secrets are stored: SHA-256, base64url (README, Security). */
export const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');

/** Refused on Gatehouse's own HTML page: the status, and above all no redirect anywhere. */
export async function assertErrorPage(response: Response, status: number, text: RegExp): Promise<string> {
  assert.equal(response.status, status);
  assert.equal(response.headers.get('location'), null);
  assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
  const html = await response.text();
  assert.match(html, text);
  return html;
}

/** A standard OAuth JSON error (RFC 6749 §5.2, RFC 7591 §3.2.2). */
export async function assertOAuthError(response: Response, status: number, error: string): Promise<void> {
  assert.equal(response.status, status);
  const body = (await response.json()) as { error?: string; error_description?: string };
  assert.equal(body.error, error, body.error_description);
  assert.equal(typeof body.error_description, 'string');
}

/** A form post from a browser, with whatever Origin and fields the attacker chooses (no Origin when null). */
export function postForm(browser: Browser, url: string | URL, fields: Record<string, string>, headers: Record<string, string | null> = {}) {
  const sent = new Headers({ 'content-type': 'application/x-www-form-urlencoded', origin: new URL(url).origin });
  for (const [name, value] of Object.entries(headers)) {
    if (value === null) sent.delete(name);
    else sent.set(name, value);
  }
  return browser.fetch(url, { method: 'POST', headers: sent, body: new URLSearchParams(fields).toString() });
}

/** A browser signed in at /login (no authorization request), standing on its account page. */
export async function signedInBrowser(gh: TestGatehouse, user: { username: string; password: string } = ADMIN) {
  const browser = new Browser();
  const login = await browser.go(new URL('/login', gh.baseUrl));
  const account = await browser.submit(new URL('/login', gh.baseUrl), { ...hiddenFields(login.html!), ...user });
  assert.equal(account.url.pathname, '/account', `signing in as ${user.username} failed (${account.page?.status})`);
  return { browser, html: account.html! };
}

/** Follows an authorization URL in a signed-in browser up to the consent page. */
export async function openConsent(browser: Browser, authorizationUrl: URL) {
  const step = await browser.go(authorizationUrl);
  assert.equal(step.url.pathname, '/consent', `expected the consent page, got ${step.url.pathname} (${step.page?.status})`);
  return { page: step.page!, html: step.html!, fields: hiddenFields(step.html!) };
}
