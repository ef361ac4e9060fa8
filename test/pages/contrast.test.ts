// WCAG 2.2 AA contrast of the pages as Chromium renders them, in light and in dark mode: text 4.5:1 (1.4.3),
// controls and the focus indicator 3:1 against what is next to them (1.4.11). Every colour is read from
// getComputedStyle on the real pages, with translucent backgrounds composited the way they are painted.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { Browser as FormBrowser } from '../helpers/browser.js';
import { ADMIN, startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { authorizationUrl, obtainTokens, pkce, registerClient } from '../helpers/oauth.js';
import { launchChromium, skipWithoutChromium } from './chromium.js';

type Rgba = [r: number, g: number, b: number, a: number];

/** A computed colour: Chromium writes rgb()/rgba(), and color(srgb …) for what color-mix() made. */
function parseColor(text: string): Rgba {
  const rgb = /^rgba?\(([\d.]+),?\s*([\d.]+),?\s*([\d.]+)(?:\s*[,/]\s*([\d.]+))?\)$/.exec(text);
  if (rgb) return [Number(rgb[1]) / 255, Number(rgb[2]) / 255, Number(rgb[3]) / 255, rgb[4] === undefined ? 1 : Number(rgb[4])];
  const srgb = /^color\(srgb ([\d.e-]+) ([\d.e-]+) ([\d.e-]+)(?: \/ ([\d.]+))?\)$/.exec(text);
  if (srgb) return [Number(srgb[1]), Number(srgb[2]), Number(srgb[3]), srgb[4] === undefined ? 1 : Number(srgb[4])];
  throw new Error(`a colour this test cannot read: ${text}`);
}

/** `top` painted over the opaque `bottom`. */
const over = (top: Rgba, bottom: Rgba): Rgba => [0, 1, 2].map((i) => top[i]! * top[3] + bottom[i]! * (1 - top[3])).concat(1) as Rgba;

/** Backgrounds from the element up to the root, painted from the root down (over a white canvas). */
const paint = (backgrounds: string[]): Rgba => backgrounds.map(parseColor).reduceRight((below, layer) => over(layer, below), [1, 1, 1, 1] as Rgba);

const luminance = ([r, g, b]: Rgba) => {
  const linear = (c: number) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
};

/** The WCAG contrast ratio of two opaque colours. */
function contrast(a: Rgba, b: Rgba): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}

interface Styles {
  color: string;
  outlineColor: string;
  outlineStyle: string;
  outlineWidth: string;
  borderColor: string;
  /** The element's own background, then each ancestor's. */
  backgrounds: string[];
  focusVisible: boolean;
}

async function stylesOf(page: Page, selector: string): Promise<Styles> {
  const element = page.locator(selector).first();
  assert.equal(await element.count(), 1, `${selector} is on ${page.url()}`);
  return element.evaluate((node) => {
    const backgrounds: string[] = [];
    for (let at: Element | null = node; at; at = at.parentElement) backgrounds.push(getComputedStyle(at).backgroundColor);
    const style = getComputedStyle(node);
    return {
      color: style.color,
      outlineColor: style.outlineColor,
      outlineStyle: style.outlineStyle,
      outlineWidth: style.outlineWidth,
      borderColor: style.borderTopColor,
      backgrounds,
      focusVisible: node.matches(':focus-visible'),
    };
  });
}

interface Measure {
  what: string;
  ratio: number;
  needed: number;
}

/** Text colour against the background painted under it. */
async function textContrast(page: Page, what: string, selector: string): Promise<Measure> {
  const styles = await stylesOf(page, selector);
  const background = paint(styles.backgrounds);
  return { what, ratio: contrast(over(parseColor(styles.color), background), background), needed: 4.5 };
}

/** A control's own fill (or border) against the background around it. */
async function boundaryContrast(page: Page, what: string, selector: string, part: 'fill' | 'border'): Promise<Measure> {
  const styles = await stylesOf(page, selector);
  const around = paint(styles.backgrounds.slice(1));
  const edge = part === 'fill' ? paint(styles.backgrounds) : over(parseColor(styles.borderColor), around);
  return { what, ratio: contrast(edge, around), needed: 3 };
}

/**
 * The focus ring, drawn by keyboard focus, against what it touches: outside the element (outline-offset leaves a gap
 * of the surrounding background) and, for a ring drawn flush with a field, the field's own fill too.
 */
async function focusContrast(page: Page, what: string, selector: string, { flush = false } = {}): Promise<Measure[]> {
  await page.keyboard.press('Tab'); // a keyboard user: from here on, focus is drawn as for one
  await page.locator(selector).first().focus();
  const styles = await stylesOf(page, selector);
  assert.ok(styles.focusVisible, `${selector} shows keyboard focus`);
  assert.notEqual(styles.outlineStyle, 'none', `${selector} has a focus outline`);
  assert.ok(parseFloat(styles.outlineWidth) >= 2, `${selector}'s focus outline is at least 2px (${styles.outlineWidth})`);
  const around = paint(styles.backgrounds.slice(1));
  const ring = over(parseColor(styles.outlineColor), around);
  const measures = [{ what: `${what}: focus ring against the page`, ratio: contrast(ring, around), needed: 3 }];
  if (flush) measures.push({ what: `${what}: focus ring against the field`, ratio: contrast(ring, paint(styles.backgrounds)), needed: 3 });
  await page.locator(selector).first().blur();
  return measures;
}

describe('contrast in Chromium, light and dark', { skip: skipWithoutChromium }, () => {
  let gh: TestGatehouse;
  let browser: Browser;
  let callbackServer: Server;
  let consentUrl: string;

  before(async () => {
    gh = await startGatehouse();
    callbackServer = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>Connected</h1>'));
    await new Promise<void>((resolve) => callbackServer.listen(0, '127.0.0.1', resolve));
    const callback = `http://127.0.0.1:${(callbackServer.address() as AddressInfo).port}/callback`;
    // The longest consent page: a self-registered client, on loopback (a warning), publishing its terms.
    const registration = {
      redirect_uris: [callback],
      token_endpoint_auth_method: 'none',
      client_name: 'Contrast Test App',
      tos_uri: 'https://app.example/terms',
      policy_uri: 'https://app.example/privacy',
    };
    const client = await registerClient(gh, registration);
    consentUrl = authorizationUrl(gh, client, { code_challenge: pkce().challenge, code_challenge_method: 'S256' }).href;
    // A connected app, so that the account page shows its red Disconnect button.
    await obtainTokens(gh, { client: await registerClient(gh, { ...registration, client_name: 'Connected App' }), browser: new FormBrowser() });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    callbackServer?.close();
    await gh?.close();
  });

  for (const scheme of ['light', 'dark'] as const) {
    it(`meets WCAG 2.2 AA in ${scheme} mode`, async (t) => {
      const context = await browser.newContext({ colorScheme: scheme });
      const page = await context.newPage();
      const measures: Measure[] = [];

      await page.goto(`${gh.baseUrl}/login`);
      assert.equal(await page.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches), scheme === 'dark', 'the scheme is emulated');
      measures.push(await textContrast(page, 'body text (a label)', 'label[for=username]'));
      measures.push(await textContrast(page, 'muted text', 'main p.muted'));
      measures.push(await textContrast(page, 'primary button', 'button.primary'));
      measures.push(await boundaryContrast(page, 'primary button against the card', 'button.primary', 'fill'));
      measures.push(await boundaryContrast(page, 'text field border', '#username', 'border'));
      measures.push(...(await focusContrast(page, 'text field', '#username', { flush: true })));
      measures.push(...(await focusContrast(page, 'primary button', 'button.primary')));

      await page.fill('#username', ADMIN.username);
      await page.fill('#password', 'not the password');
      await Promise.all([page.waitForLoadState('load'), page.click('button[type=submit]')]);
      measures.push(await textContrast(page, 'error text', '.error'));

      await page.goto(consentUrl);
      await page.fill('#username', ADMIN.username);
      await page.fill('#password', ADMIN.password);
      await Promise.all([page.waitForURL(/\/consent\?/), page.click('button[type=submit]')]);
      measures.push(await textContrast(page, 'link', 'a[href="/account"]'));
      measures.push(await textContrast(page, 'link to the app’s terms', 'a.terms'));
      measures.push(await textContrast(page, 'secondary button (Deny)', 'button[value=deny]'));
      measures.push(await textContrast(page, 'primary button (Allow)', 'button[value=approve]'));
      measures.push(await textContrast(page, 'unverified-app notice', '.trust.unverified'));
      measures.push(await textContrast(page, 'warning', '.warning'));
      measures.push(await textContrast(page, 'scope name', 'ul.scopes code'));
      measures.push(await textContrast(page, '“Not you?” (a button drawn as a link)', 'button.link'));
      measures.push(await textContrast(page, 'disclosure (About this app)', 'details.client summary'));
      measures.push(...(await focusContrast(page, '“Not you?”', 'button.link')));
      measures.push(...(await focusContrast(page, 'disclosure', 'details.client summary')));
      measures.push(...(await focusContrast(page, 'link', 'a[href="/account"]')));
      measures.push(...(await focusContrast(page, 'secondary button', 'button[value=deny]')));

      await page.goto(`${gh.baseUrl}/account`);
      measures.push(await textContrast(page, 'danger button (Disconnect)', 'button.danger'));
      measures.push(...(await focusContrast(page, 'danger button', 'button.danger')));

      const table = measures.map(({ what, ratio, needed }) => `${ratio >= needed ? 'ok  ' : 'FAIL'} ${ratio.toFixed(2)}:1 (needs ${needed}) ${what}`);
      t.diagnostic(`${scheme}:\n${table.join('\n')}`);
      const failing = measures.filter(({ ratio, needed }) => ratio < needed);
      assert.deepEqual(
        failing.map(({ what }) => what),
        [],
        table.join('\n'),
      );
      await context.close();
    });
  }

  it('reads colours the way Chromium writes them, and knows the reference ratios', () => {
    assert.deepEqual(parseColor('rgb(255, 0, 0)'), [1, 0, 0, 1]);
    assert.deepEqual(parseColor('rgba(0, 0, 0, 0)'), [0, 0, 0, 0]);
    assert.deepEqual(parseColor('color(srgb 0.5 0.25 1 / 0.5)'), [0.5, 0.25, 1, 0.5]);
    assert.throws(() => parseColor('oklch(0.5 0.1 30)'), /cannot read/);
    assert.equal(contrast([0, 0, 0, 1], [1, 1, 1, 1]).toFixed(0), '21');
    assert.equal(contrast([1, 1, 1, 1], [1, 1, 1, 1]), 1);
    // #777 on white is the classic just-failing grey.
    const grey = 0x77 / 255;
    assert.equal(contrast([grey, grey, grey, 1], [1, 1, 1, 1]).toFixed(2), '4.48');
    assert.deepEqual(paint(['rgba(0, 0, 0, 0.5)', 'rgb(255, 255, 255)']), [0.5, 0.5, 0.5, 1]);
  });
});
