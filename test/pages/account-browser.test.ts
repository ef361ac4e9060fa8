// The account page in a real Chromium, driven by the keyboard alone (Tab and Enter, no mouse): disconnecting an app
// through its confirmation, signing out another browser, and changing the password, each outcome checked where it
// shows (the other browser's cookie no longer reaches /account, the app's token no longer reaches /mcp). The pages
// are photographed on a desktop and a phone into test-artifacts/screenshots/ (kept out of git).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { hashPassword } from '../../src/identity/passwords.js';
import { Browser as HttpBrowser } from '../helpers/browser.js';
import { CLAUDE_REGISTRATION, startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { mcpPost, obtainTokens, registerClient } from '../helpers/oauth.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `Chromium not found at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`;
const SCREENSHOTS = 'test-artifacts/screenshots';
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const FIREFOX_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const SAFARI_IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

const KIM = { username: 'kim', password: 'kim keyboard password' };
const NEW_PASSWORD = 'kim changed it by keyboard';

async function photograph(page: Page, name: string) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}/${name}.png`, fullPage: true });
}

/** On a desktop and on a phone; on the phone nothing may stick out sideways. */
async function photographBoth(page: Page, name: string) {
  await photograph(page, `${name}-desktop`);
  await page.setViewportSize(PHONE);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `${name}: the phone layout scrolls sideways by ${overflow}px`);
  await photograph(page, `${name}-phone`);
  await page.setViewportSize(DESKTOP);
}

/** A description of what has the keyboard focus, for assertions and failure messages. */
const focused = (page: Page) =>
  page.evaluate(() => {
    const element = document.activeElement as HTMLElement | null;
    if (!element || element === document.body) return '(nothing)';
    return `${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : ''} "${element.getAttribute('aria-label') ?? element.textContent?.trim() ?? ''}"`;
  });

/**
 * Presses Tab until the focus reaches the element `selector` names (at most `limit` presses), and checks that the
 * focus is visible there: the way a keyboard user finds a control.
 */
async function tabTo(page: Page, selector: string, limit = 40) {
  for (let presses = 0; presses < limit; presses++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((wanted) => document.activeElement?.matches(wanted) ?? false, selector)) {
      const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
      assert.notEqual(outline, 'none', `the focus on ${selector} is visible`);
      return;
    }
  }
  assert.fail(`Tab never reached ${selector}; the focus ended on ${await focused(page)}`);
}

/** Presses Enter on what has the focus and waits for the page it leads to. */
async function enterAndWait(page: Page, url: RegExp) {
  await Promise.all([page.waitForURL(url), page.keyboard.press('Enter')]);
}

/** Signs in through the sign-in form, with the keyboard. */
async function signInByKeyboard(page: Page, gh: TestGatehouse, user: { username: string; password: string }) {
  await page.goto(`${gh.baseUrl}/login`);
  await page.waitForSelector('#username:focus', { timeout: 5000 });
  await page.keyboard.type(user.username);
  await page.keyboard.press('Tab');
  await page.keyboard.type(user.password);
  await enterAndWait(page, /\/account$/);
}

/** Whether a browser context is still signed in: its cookie still reaches /account, rather than the sign-in page. */
async function stillSignedIn(context: BrowserContext, gh: TestGatehouse) {
  const page = await context.newPage();
  await page.goto(`${gh.baseUrl}/account`);
  const path = new URL(page.url()).pathname;
  await page.close();
  return path === '/account';
}

describe('the account page by keyboard, in Chromium', { skip }, () => {
  let gh: TestGatehouse;
  let chromiumBrowser: Browser;

  before(async () => {
    gh = await startGatehouse();
    await gh.gatehouse.storage.users.create({ username: KIM.username, passwordHash: await hashPassword(KIM.password) });
    chromiumBrowser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
  });
  after(async () => {
    await chromiumBrowser?.close();
    await gh?.close();
  });

  it('disconnects an app through its confirmation, signs out another browser and changes the password, keys only', async () => {
    // An app Kim connected (through the HTTP helper: that is a browser session of hers too), and two more browsers.
    const connecting = new HttpBrowser();
    const client = await registerClient(gh, { ...CLAUDE_REGISTRATION, client_name: 'Keyboard App' });
    const { tokens } = await obtainTokens(gh, { client, browser: connecting, ...KIM });
    const whoami = () => mcpPost(gh.mcpUrl, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: {} } }, tokens.access_token);
    const firefox = await chromiumBrowser.newContext({ userAgent: FIREFOX_LINUX });
    const phone = await chromiumBrowser.newContext({ userAgent: SAFARI_IPHONE });
    await signInByKeyboard(await firefox.newPage(), gh, KIM);
    await signInByKeyboard(await phone.newPage(), gh, KIM);

    const context = await chromiumBrowser.newContext({ viewport: DESKTOP });
    const page = await context.newPage();
    await signInByKeyboard(page, gh, KIM);
    assert.equal(await page.textContent('h1'), 'Your account');
    assert.match((await page.textContent('#sessions'))!, /Firefox on Linux[\s\S]*Safari on iOS|Safari on iOS[\s\S]*Firefox on Linux/);
    await photographBoth(page, 'account');

    // 1. Disconnect: the button only asks; the confirmation page's button revokes.
    await tabTo(page, 'button[aria-label="Disconnect Keyboard App"]');
    await enterAndWait(page, /\/account\/disconnect\?grant=/);
    assert.equal(await page.textContent('h1'), 'Disconnect Keyboard App?');
    assert.match((await page.textContent('main'))!, /It will lose access until you connect it again\./);
    assert.equal((await whoami()).status, 200, 'asking revoked nothing');
    await photographBoth(page, 'account-disconnect');
    await page.keyboard.press('Tab');
    assert.equal(await focused(page), 'a "Cancel"', 'Cancel comes first');
    await tabTo(page, 'button.danger');
    assert.equal(await focused(page), 'button "Disconnect Keyboard App"');
    await enterAndWait(page, /\/account#apps$/);
    assert.equal((await page.textContent('[role=status]'))!.trim(), 'Keyboard App was disconnected. It can no longer reach your data.');
    assert.match((await page.textContent('#apps'))!, /No app is connected/);
    assert.equal((await whoami()).status, 401, 'the app’s token no longer works');

    // 2. Sign out the Firefox browser from here.
    assert.equal(await stillSignedIn(firefox, gh), true);
    await tabTo(page, 'button[aria-label^="Sign out Firefox on Linux"]');
    await enterAndWait(page, /\/account#sessions$/);
    assert.equal((await page.textContent('#sessions [role=status]'))!.trim(), 'That browser was signed out.');
    assert.doesNotMatch((await page.textContent('#sessions'))!, /Firefox on Linux/);
    assert.equal(await stillSignedIn(firefox, gh), false, 'the Firefox cookie no longer reaches /account');
    assert.equal(await stillSignedIn(phone, gh), true, 'the phone was not signed out');

    // 3. Change the password: three fields in order, then the button.
    const othersBefore = await page.locator('#sessions form[action="/account/sessions/end"]').count();
    await tabTo(page, '#current-password');
    await page.keyboard.type(KIM.password);
    await page.keyboard.press('Tab');
    assert.equal(await focused(page), 'input#new-password ""');
    await page.keyboard.type(NEW_PASSWORD);
    await page.keyboard.press('Tab');
    assert.equal(await focused(page), 'input#new-password-again ""');
    await page.keyboard.type(NEW_PASSWORD);
    await page.keyboard.press('Tab');
    assert.equal(await focused(page), 'button "Change password"');
    await enterAndWait(page, /\/account#password$/);
    assert.equal(
      (await page.textContent('#password [role=status]'))!.trim(),
      `Your password was changed. ${othersBefore} other browser${othersBefore === 1 ? '' : 's'} signed out; this one stays signed in.`,
    );
    assert.equal(await stillSignedIn(phone, gh), false, 'the phone’s cookie no longer reaches /account');
    assert.equal(await stillSignedIn(context, gh), true, 'this browser stays signed in');
    assert.equal(await page.locator('#sessions form[action="/account/sessions/end"]').count(), 0, 'only this browser is left');
    await photographBoth(page, 'account-password-changed');

    // The new password is the one that signs in now.
    const fresh = await chromiumBrowser.newContext();
    const freshPage = await fresh.newPage();
    await signInByKeyboard(freshPage, gh, { username: KIM.username, password: NEW_PASSWORD });
    assert.equal(new URL(freshPage.url()).pathname, '/account');
    for (const each of [fresh, firefox, phone, context]) await each.close();
  });

  it('shows a refusal on the page, by keyboard too: the current password typed wrong', async () => {
    const context = await chromiumBrowser.newContext({ viewport: DESKTOP });
    const page = await context.newPage();
    await signInByKeyboard(page, gh, { username: KIM.username, password: NEW_PASSWORD });
    await tabTo(page, '#current-password');
    await page.keyboard.type('not my password');
    for (let field = 0; field < 2; field++) {
      await page.keyboard.press('Tab');
      await page.keyboard.type('a third password');
    }
    await page.keyboard.press('Tab');
    await Promise.all([page.waitForLoadState('load'), page.keyboard.press('Enter')]);
    await page.waitForSelector('#password [role=alert]');
    assert.equal((await page.textContent('#password [role=alert]'))!.trim(), 'The current password is wrong. Your password was not changed.');
    assert.equal(await page.inputValue('#current-password'), '', 'nothing typed comes back');
    await photograph(page, 'account-password-wrong');
    await context.close();
  });
});
