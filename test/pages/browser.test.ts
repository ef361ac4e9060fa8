// Sign-in and consent in a real Chromium: a person types a password, reads the consent page, clicks Allow, and the
// browser lands on the client's loopback callback with a code that exchanges for tokens.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { ADMIN, startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { authorizationUrl, pkce, registerClient, tokenRequest } from '../helpers/oauth.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `Chromium not found at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`;

describe('sign-in and consent in Chromium', { skip }, () => {
  let gh: TestGatehouse;
  let browser: Browser;
  let callbackServer: Server;
  let callbackUrl: string;
  const callbacks: URL[] = [];

  before(async () => {
    gh = await startGatehouse();
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
    await page.fill('#username', ADMIN.username);
    await page.fill('#password', ADMIN.password);
    await Promise.all([page.waitForURL(/\/consent\?/), page.click('button[type=submit]')]);

    assert.equal(await page.textContent('h1'), 'Allow Browser Test App to access your account?');
    const body = (await page.textContent('main'))!;
    assert.match(body, /127\.0\.0\.1:\d+/, 'the redirect host is shown');
    assert.match(body, /mcp:tools/);
    assert.match(body, /mcp:prompts/);
    assert.doesNotMatch(body, /mcp:resources/, 'only the scopes asked for are shown');

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

  it('shows a wrong password as an error on the login page', async () => {
    const page = await browser.newPage();
    await page.goto(`${gh.baseUrl}/login`);
    await page.fill('#username', ADMIN.username);
    await page.fill('#password', 'not the password');
    await Promise.all([page.waitForLoadState('load'), page.click('button[type=submit]')]);
    assert.match((await page.textContent('[role=alert]'))!, /Wrong username or password/);
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
    await Promise.all([page.waitForURL(/\/account$/), page.click('button.danger')]);
    assert.match((await page.textContent('main'))!, /No app is connected/);
    await context.close();
  });
});
