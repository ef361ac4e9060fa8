// Sign-in and consent in a real Chromium: a person types a password, reads the consent page, clicks Allow, and the
// browser lands on the client's loopback callback with a code that exchanges for tokens. Each page is also
// photographed, on a desktop and a phone, in light and dark mode, into test-artifacts/screenshots/ (kept out of git)
// for a human look.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import type { Browser, Page, Response } from 'playwright-core';
import { hashPassword } from '../../src/identity/passwords.js';
import { ADMIN, startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { authorizationUrl, codeExchange, pkce, registerClient, tokenRequest } from '../helpers/oauth.js';
import { launchChromium, photograph, photographEverywhere, PHONE, skipWithoutChromium as skip } from './chromium.js';

const BOB = { username: 'bob', password: 'bob’s own password 42' };

/** Signs in on the page the browser stands on, and waits for where that leads. */
async function signIn(page: Page, user: { username: string; password: string }, next: RegExp) {
  await page.fill('#username', user.username);
  await page.fill('#password', user.password);
  await Promise.all([page.waitForURL(next), page.click('button[type=submit]')]);
}

/** Every answer of 400 or more the page's loads got (the icon included), to assert there is none. */
function failedLoads(page: Page): string[] {
  const failed: string[] = [];
  page.on('response', (response: Response) => {
    if (response.status() >= 400) failed.push(`${response.status()} ${response.url()}`);
  });
  page.on('console', (message) => {
    if (message.type() === 'error') failed.push(`console: ${message.text()}`);
  });
  return failed;
}

describe('sign-in and consent in Chromium', { skip }, () => {
  let gh: TestGatehouse;
  let browser: Browser;
  let callbackServer: Server;
  let callbackUrl: string;
  const callbacks: URL[] = [];

  before(async () => {
    gh = await startGatehouse({ BRAND_NAME: 'Acme Tools' });
    callbackServer = createServer((req, res) => {
      const url = new URL(req.url!, callbackUrl);
      if (url.pathname === '/callback') callbacks.push(url);
      res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>Connected</h1>');
    });
    await new Promise<void>((resolve) => callbackServer.listen(0, '127.0.0.1', resolve));
    callbackUrl = `http://127.0.0.1:${(callbackServer.address() as AddressInfo).port}/callback`;
    browser = await launchChromium();
    await gh.gatehouse.storage.users.create({ username: BOB.username, passwordHash: await hashPassword(BOB.password) });
  });
  after(async () => {
    await browser?.close();
    callbackServer?.close();
    await gh?.close();
  });

  it('signs in, shows what is asked, and hands the code to the client on Allow', async () => {
    const client = await registerClient(gh, { redirect_uris: [callbackUrl], token_endpoint_auth_method: 'none', client_name: 'Browser Test App' });
    const { verifier, challenge } = pkce();
    const page = await browser.newPage();
    const failed = failedLoads(page);
    await page.goto(authorizationUrl(gh, client, { code_challenge: challenge, code_challenge_method: 'S256', scope: 'mcp:tools mcp:prompts' }).href);

    assert.equal(new URL(page.url()).pathname, '/login');
    assert.equal(await page.title(), 'Sign in · Acme Tools', 'the deployer’s name, not ours');
    assert.equal(await page.textContent('header.brand'), 'Acme Tools');
    assert.equal(await page.textContent('h1'), 'Sign in to Acme Tools to connect “Browser Test App”', 'what the sign-in is for, the name as unchecked');
    assert.match((await page.textContent('.trust.unverified'))!, /Unverified app\. It chose this name itself/);
    assert.equal(await page.evaluate(() => document.compatMode), 'CSS1Compat', 'standards mode, not quirks');
    await photographEverywhere(page, 'login-to-connect');
    await signIn(page, ADMIN, /\/consent\?/);

    assert.equal(await page.evaluate(() => document.compatMode), 'CSS1Compat');
    assert.equal(await page.textContent('h1'), 'Allow Browser Test App to access your Acme Tools account?');
    assert.equal(await page.textContent('hgroup p'), 'Signed in to Acme Tools as admin. Not you?', 'the server and the account, under the question');
    const body = (await page.textContent('main'))!;
    assert.match(body, /127\.0\.0\.1:\d+/, 'the redirect host is shown');
    assert.match(body, /mcp:tools/);
    assert.match(body, /mcp:prompts/);
    assert.doesNotMatch(body, /mcp:resources/, 'only the scopes asked for are shown');
    assert.match(body, /Run this server’s tools as you/, 'each scope is said plainly');
    await photographEverywhere(page, 'consent');
    await page.setViewportSize(PHONE);
    const [deny, allow] = [await page.locator('button[value=deny]').boundingBox(), await page.locator('button[value=approve]').boundingBox()];
    assert.ok(deny && allow && deny.width + allow.width > PHONE.width * 0.75, 'on a phone the two buttons share the width of the screen');
    assert.ok(allow.height >= 44 && deny.height >= 44, 'targets a thumb can hit');

    await Promise.all([page.waitForURL(/\/callback\?/), page.click('button[value=approve]')]);
    const callback = callbacks.at(-1)!;
    assert.equal(callback.searchParams.get('state'), 'state-123');
    assert.equal(callback.searchParams.get('iss'), gh.baseUrl);
    const response = await tokenRequest(gh, codeExchange(client, callback.searchParams.get('code')!, verifier));
    assert.equal(response.status, 200);
    assert.equal((await response.json()).scope, 'mcp:tools mcp:prompts');
    assert.deepEqual(failed, [], 'no load failed, the icon included');
    await page.close();
  });

  it('keeps Allow and Deny on a phone’s screen on the longest consent page, a self-registered app’s', async () => {
    const client = await registerClient(gh, {
      redirect_uris: [callbackUrl],
      token_endpoint_auth_method: 'none',
      client_name: 'A Self-Registered App With A Rather Long Name',
      tos_uri: 'https://app.example/terms',
      policy_uri: 'https://app.example/privacy',
    });
    const context = await browser.newContext({ viewport: PHONE });
    const page = await context.newPage();
    await page.goto(authorizationUrl(gh, client, { code_challenge: pkce().challenge, code_challenge_method: 'S256' }).href);
    await signIn(page, ADMIN, /\/consent\?/);
    assert.ok(await page.locator('.trust.unverified').isVisible());
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    assert.ok(height > PHONE.height, `the page (${height}px) is taller than the phone's screen, so the buttons have to stay in view`);
    for (const at of ['top', 'middle'] as const) {
      await page.evaluate((y) => window.scrollTo(0, y), at === 'top' ? 0 : height / 2 - PHONE.height / 2);
      await photograph(page, `consent-unverified-long-phone-screen-${at}`, { fullPage: false });
      for (const button of ['deny', 'approve']) {
        const box = await page.locator(`button[value=${button}]`).boundingBox();
        assert.ok(box && box.y >= 0 && box.y + box.height <= PHONE.height, `${button} is on screen at the ${at} (${JSON.stringify(box)})`);
      }
    }
    // Nothing is hidden behind the buttons: at the end of the page, the last text sits above them.
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    const [text, buttons] = [await page.locator('a[href="/account"]').boundingBox(), await page.locator('.decision').boundingBox()];
    assert.ok(text && buttons && text.y + text.height <= buttons.y, 'the last paragraph ends above the buttons');
    await photographEverywhere(page, 'consent-unverified-long');
    await context.close();
  });

  it('signs out with “Not you?” and lets the next person approve the same request as themselves', async () => {
    const client = await registerClient(gh, { redirect_uris: [callbackUrl], token_endpoint_auth_method: 'none', client_name: 'Shared Computer App' });
    const { verifier, challenge } = pkce();
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(authorizationUrl(gh, client, { code_challenge: challenge, code_challenge_method: 'S256', state: 'shared-state' }).href);
    await signIn(page, ADMIN, /\/consent\?/);
    const request = new URL(page.url()).searchParams.get('request');
    assert.match((await page.textContent('hgroup p'))!, /as admin\./);

    // Alice leaves her session behind; Bob sits down.
    await Promise.all([page.waitForURL(/\/login\?/), page.click('text=Not you?')]);
    assert.equal(new URL(page.url()).searchParams.get('request'), request, 'back to the very same authorization request');
    assert.equal(await page.textContent('h1'), 'Sign in to Acme Tools to connect “Shared Computer App”');
    const cookies = await context.cookies();
    assert.equal(
      cookies.find((cookie) => cookie.name.endsWith('gatehouse_session')),
      undefined,
      'the session cookie is gone',
    );
    await signIn(page, BOB, /\/consent\?/);
    assert.match((await page.textContent('hgroup p'))!, /as bob\./);
    await Promise.all([page.waitForURL(/\/callback\?/), page.click('button[value=approve]')]);

    const callback = callbacks.at(-1)!;
    assert.equal(callback.searchParams.get('state'), 'shared-state');
    const response = await tokenRequest(gh, codeExchange(client, callback.searchParams.get('code')!, verifier));
    assert.equal(response.status, 200);
    const bob = await gh.gatehouse.storage.users.findByUsername(BOB.username);
    const admin = await gh.gatehouse.storage.users.findByUsername(ADMIN.username);
    const subject = decodeJwt((await response.json()).access_token).sub;
    assert.equal(subject, bob!.id, 'the token is Bob’s');
    assert.notEqual(subject, admin!.id);
    await context.close();
  });

  it('shows a name the app gave itself as unverified, with where the answer goes in plain sight', async () => {
    const evil = 'https://claude-ai.evil.example/api/mcp/auth_callback';
    // Open registration: anyone can do this. "Claude" itself is refused (test/security/consent-phishing.test.ts).
    const client = await registerClient(gh, { redirect_uris: [evil], token_endpoint_auth_method: 'none', client_name: 'Claude Assistant' });
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(authorizationUrl(gh, client, { code_challenge: pkce().challenge, code_challenge_method: 'S256' }).href);
    await page.fill('#username', ADMIN.username);
    await page.fill('#password', ADMIN.password);
    await Promise.all([page.waitForURL(/\/consent\?/), page.click('button[type=submit]')]);
    assert.match((await page.textContent('main .trust.unverified'))!, /Unverified app\. The name “Claude Assistant” was supplied by the app itself/);
    const host = page.locator('.redirect .host');
    assert.equal(await host.textContent(), 'claude-ai.evil.example');
    assert.ok(await host.isVisible());
    const [hostSize, bodySize] = await page.evaluate(() => [
      parseFloat(getComputedStyle(document.querySelector('.redirect .host')!).fontSize),
      parseFloat(getComputedStyle(document.querySelector('main p')!).fontSize),
    ]);
    assert.ok(hostSize > bodySize, `the redirect host (${hostSize}px) stands out from the text (${bodySize}px)`);
    await photographEverywhere(page, 'consent-unverified');
    await context.close();
  });

  it('shows a wrong password as an error on the login page', async () => {
    const page = await browser.newPage();
    await page.goto(`${gh.baseUrl}/login`);
    await page.fill('#username', ADMIN.username);
    await page.fill('#password', 'not the password');
    await Promise.all([page.waitForLoadState('load'), page.click('button[type=submit]')]);
    assert.match((await page.textContent('[role=alert]'))!, /Wrong username or password/);
    await photographEverywhere(page, 'login-wrong-password');
    await page.close();
  });

  it('signs in with the keyboard alone, in a sensible focus order', async () => {
    const page = await browser.newPage();
    await page.goto(`${gh.baseUrl}/login`);
    assert.equal(await page.textContent('h1'), 'Sign in to Acme Tools');
    const username = await page.evaluate(() => {
      const field = document.querySelector('#username')!;
      return Object.fromEntries(['autocomplete', 'autocapitalize', 'autocorrect', 'spellcheck'].map((name) => [name, field.getAttribute(name)]));
    });
    assert.deepEqual(username, { autocomplete: 'username', autocapitalize: 'none', autocorrect: 'off', spellcheck: 'false' }, 'no phone keyboard “help”');
    await photographEverywhere(page, 'login');
    // Browsers apply autofocus at the next rendering step after load, not at once.
    await page.waitForSelector('#username:focus', { timeout: 5000 });
    await page.keyboard.type(ADMIN.username);
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'password');
    await page.keyboard.type(ADMIN.password);
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent?.trim()), 'Sign in');
    const labelled = await page.evaluate(() =>
      [...document.querySelectorAll('input:not([type=hidden])')].every((input) => document.querySelector(`label[for="${input.id}"]`)),
    );
    assert.ok(labelled, 'every field has a label');
    await Promise.all([page.waitForURL(/\/account$/), page.keyboard.press('Enter')]);
    await photograph(page, 'account-empty');
    await page.close();
  });

  it('sends the client an access_denied error on Deny, and issues nothing', async () => {
    const client = await registerClient(gh, { redirect_uris: [callbackUrl], token_endpoint_auth_method: 'none', client_name: 'Denied App' });
    const { challenge } = pkce();
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(authorizationUrl(gh, client, { code_challenge: challenge, code_challenge_method: 'S256' }).href);
    await page.fill('#username', ADMIN.username);
    await page.fill('#password', ADMIN.password);
    await Promise.all([page.waitForURL(/\/consent\?/), page.click('button[type=submit]')]);
    await Promise.all([page.waitForURL(/\/callback\?/), page.click('button[value=deny]')]);
    const callback = callbacks.at(-1)!;
    assert.equal(callback.searchParams.get('error'), 'access_denied');
    assert.equal(callback.searchParams.get('code'), null);
    assert.equal(callback.searchParams.get('state'), 'state-123');
    assert.equal(await gh.gatehouse.storage.db.selectFrom('grants').select('id').where('client_id', '=', client.client_id).executeTakeFirst(), undefined);
    await context.close();
  });

  it('shows errors on a page of their own, not a redirect, for an unknown client', async () => {
    const page = await browser.newPage();
    const response = await page.goto(`${gh.baseUrl}/authorize?response_type=code&client_id=nobody&redirect_uri=https%3A%2F%2Fevil.example%2Fcb`);
    assert.equal(response?.status(), 400);
    assert.equal(new URL(page.url()).origin, gh.baseUrl);
    assert.ok(await page.locator('[role=alert]').isVisible());
    assert.match((await page.textContent('.detail'))!, /What was wrong: this client is not registered here/);
    assert.equal(await page.textContent('.reference code'), await response!.headerValue('x-request-id'), 'the id the logs know it by');
    assert.equal(await page.evaluate(() => document.compatMode), 'CSS1Compat');
    await photographEverywhere(page, 'error');
    await page.close();
  });

  it('shows a branded page for an address that does not exist, and for one that takes other methods', async () => {
    const page = await browser.newPage();
    const failed = failedLoads(page);
    const missing = await page.goto(`${gh.baseUrl}/no/such/page`);
    assert.equal(missing?.status(), 404);
    assert.equal(await page.title(), 'Page not found · Acme Tools');
    assert.equal(await page.textContent('header.brand'), 'Acme Tools');
    assert.match((await page.textContent('[role=alert]'))!, /There is no page at \/no\/such\/page on this server\./);
    assert.equal(await page.textContent('.reference code'), await missing!.headerValue('x-request-id'));
    assert.ok(await page.locator('a[href="/"]').isVisible(), 'a way on');
    assert.equal(await page.evaluate(() => document.compatMode), 'CSS1Compat');
    await photographEverywhere(page, 'not-found');

    const wrongMethod = await page.goto(`${gh.baseUrl}/token`);
    assert.equal(wrongMethod?.status(), 405);
    assert.equal(await wrongMethod!.headerValue('allow'), 'POST');
    assert.match((await page.textContent('[role=alert]'))!, /The address \/token exists, but it takes POST requests, not GET\./);
    await photographEverywhere(page, 'method-not-allowed');
    assert.deepEqual(
      failed.filter((line) => !line.includes('/no/such/page') && !line.includes('/token') && !line.startsWith('console: Failed to load resource')),
      [],
      'nothing but the pages themselves failed: no icon, no stylesheet',
    );
    assert.equal(failed.filter((line) => line.includes('favicon')).length, 0);
    await page.close();
  });

  it('shows the home page, in standards mode', async () => {
    const page = await browser.newPage();
    const failed = failedLoads(page);
    await page.goto(`${gh.baseUrl}/`);
    assert.equal(await page.evaluate(() => document.compatMode), 'CSS1Compat');
    assert.match((await page.textContent('h1'))!, /This is an MCP server/);
    await photographEverywhere(page, 'home');
    assert.deepEqual(failed, []);
    await page.close();
  });

  it('cannot be framed by another site', async () => {
    const page = await browser.newPage();
    await page.goto(`${callbackUrl}?frame-test`);
    const framed = await page.evaluate(async (src) => {
      const frame = document.createElement('iframe');
      frame.src = src;
      document.body.append(frame);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      try {
        return frame.contentDocument?.querySelector('form') !== null && frame.contentDocument !== null;
      } catch {
        return false;
      }
    }, `${gh.baseUrl}/login`);
    assert.equal(framed, false);
    await page.close();
  });

  it('lists the connected app on the account page and disconnects it', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${gh.baseUrl}/account`);
    await page.fill('#username', ADMIN.username);
    await page.fill('#password', ADMIN.password);
    await Promise.all([page.waitForURL(/\/account$/), page.click('button[type=submit]')]);
    assert.match((await page.textContent('#apps'))!, /Browser Test App/);
    await photographEverywhere(page, 'account');
    await page.setViewportSize(PHONE);
    // Disconnecting asks for confirmation first (src/pages/account.tsx).
    await Promise.all([page.waitForURL(/\/account\/disconnect\?/), page.click('button[aria-label="Disconnect Browser Test App"]')]);
    await Promise.all([page.waitForURL(/\/account(#apps)?$/), page.click('form[method=post] button.danger')]);
    assert.match((await page.textContent('main'))!, /No app is connected/);
    await context.close();
  });
});
