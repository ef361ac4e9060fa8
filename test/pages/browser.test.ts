// Sign-in and consent in a real Chromium: a person types a password, reads the consent page, clicks Allow, and the
// browser lands on the client's loopback callback with a code that exchanges for tokens. Each page is also
// photographed, on a desktop and a phone, into test-artifacts/screenshots/ (kept out of git) for a human look.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ADMIN, startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { authorizationUrl, pkce, registerClient, tokenRequest } from '../helpers/oauth.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `Chromium not found at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`;
const SCREENSHOTS = 'test-artifacts/screenshots';
const PHONE = { width: 390, height: 844 };

/** Saves what the person sees, as a test artifact. */
async function photograph(page: Page, name: string) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}/${name}.png`, fullPage: true });
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
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
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
    await page.goto(authorizationUrl(gh, client, { code_challenge: challenge, code_challenge_method: 'S256', scope: 'mcp:tools mcp:prompts' }).href);

    assert.equal(new URL(page.url()).pathname, '/login');
    assert.equal(await page.title(), 'Sign in · Acme Tools', 'the deployer’s name, not ours');
    assert.equal(await page.textContent('header.brand'), 'Acme Tools');
    await photograph(page, 'login');
    await page.fill('#username', ADMIN.username);
    await page.fill('#password', ADMIN.password);
    await Promise.all([page.waitForURL(/\/consent\?/), page.click('button[type=submit]')]);

    assert.equal(await page.textContent('h1'), 'Allow Browser Test App to access your account?');
    const body = (await page.textContent('main'))!;
    assert.match(body, /127\.0\.0\.1:\d+/, 'the redirect host is shown');
    assert.match(body, /mcp:tools/);
    assert.match(body, /mcp:prompts/);
    assert.doesNotMatch(body, /mcp:resources/, 'only the scopes asked for are shown');
    assert.match(body, /Run this server’s tools as you/, 'each scope is said plainly');
    await photograph(page, 'consent');
    await page.setViewportSize(PHONE);
    await photograph(page, 'consent-phone');
    const allow = await page.locator('button[value=approve]').boundingBox();
    assert.ok(allow && allow.width > PHONE.width * 0.8, 'on a phone the buttons span the screen');

    await Promise.all([page.waitForURL(/\/callback\?/), page.click('button[value=approve]')]);
    const callback = callbacks.at(-1)!;
    assert.equal(callback.searchParams.get('state'), 'state-123');
    assert.equal(callback.searchParams.get('iss'), gh.baseUrl);
    const response = await tokenRequest(gh, {
      grant_type: 'authorization_code',
      code: callback.searchParams.get('code')!,
      code_verifier: verifier,
      redirect_uri: callbackUrl,
      client_id: client.client_id,
    });
    assert.equal(response.status, 200);
    assert.equal((await response.json()).scope, 'mcp:tools mcp:prompts');
    await page.close();
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
    assert.match((await page.textContent('.trust.unverified'))!, /Unverified app\. The name “Claude Assistant” was supplied by the app itself/);
    const host = page.locator('.redirect .host');
    assert.equal(await host.textContent(), 'claude-ai.evil.example');
    assert.ok(await host.isVisible());
    const [hostSize, bodySize] = await page.evaluate(() => [
      parseFloat(getComputedStyle(document.querySelector('.redirect .host')!).fontSize),
      parseFloat(getComputedStyle(document.querySelector('main p')!).fontSize),
    ]);
    assert.ok(hostSize > bodySize, `the redirect host (${hostSize}px) stands out from the text (${bodySize}px)`);
    await photograph(page, 'consent-unverified');
    await context.close();
  });

  it('shows a wrong password as an error on the login page', async () => {
    const page = await browser.newPage();
    await page.goto(`${gh.baseUrl}/login`);
    await page.fill('#username', ADMIN.username);
    await page.fill('#password', 'not the password');
    await Promise.all([page.waitForLoadState('load'), page.click('button[type=submit]')]);
    assert.match((await page.textContent('[role=alert]'))!, /Wrong username or password/);
    await photograph(page, 'login-wrong-password');
    await page.close();
  });

  it('signs in with the keyboard alone, in a sensible focus order', async () => {
    const page = await browser.newPage();
    await page.goto(`${gh.baseUrl}/login`);
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
    await photograph(page, 'error');
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
    assert.match((await page.textContent('table'))!, /Browser Test App/);
    await photograph(page, 'account');
    await page.setViewportSize(PHONE);
    await photograph(page, 'account-phone');
    await Promise.all([page.waitForURL(/\/account$/), page.click('button[aria-label="Disconnect Browser Test App"]')]);
    assert.match((await page.textContent('main'))!, /No app is connected/);
    await context.close();
  });
});
