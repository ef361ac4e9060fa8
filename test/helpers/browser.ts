// A minimal browser for the sign-in and consent pages: keeps cookies, follows our own redirects, submits forms.
// (A real Chromium drives the same pages in test/pages/browser.test.ts.)
import { ADMIN } from './gatehouse.js';

export class Browser {
  private readonly cookies = new Map<string, string>();

  async fetch(url: string | URL, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const [name, value] = [pair!.slice(0, pair!.indexOf('=')), pair!.slice(pair!.indexOf('=') + 1)];
      if (attributes.some((a) => /max-age=0/i.test(a.trim())) || value === '') this.cookies.delete(name.trim());
      else this.cookies.set(name.trim(), value);
    }
    return response;
  }

  /** Follows redirects that stay on `origin`; returns the last page, or the first URL that leaves the origin. */
  async go(url: string | URL, init?: RequestInit): Promise<{ page?: Response; html?: string; leftTo?: URL; url: URL }> {
    let current = new URL(url);
    let response = await this.fetch(current, init);
    while (response.status >= 300 && response.status < 400) {
      const next = new URL(response.headers.get('location')!, current);
      if (next.origin !== current.origin) return { leftTo: next, url: current };
      current = next;
      response = await this.fetch(current);
    }
    return { page: response, html: await response.text(), url: current };
  }

  async submit(action: string | URL, fields: Record<string, string>) {
    return this.go(action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: new URL(action).origin },
      body: new URLSearchParams(fields).toString(),
    });
  }
}

export function hiddenFields(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const match of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) fields[match[1]!] = unescapeHtml(match[2]!);
  return fields;
}

const unescapeHtml = (value: string) =>
  value
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/**
 * Plays the person in the loop: opens the authorization URL, signs in, answers the consent page.
 * Returns where the browser is finally sent: the client's redirect URI with a code or an error.
 */
export async function signInAndDecide(
  authorizationUrl: string | URL,
  options: { username?: string; password?: string; decision?: 'approve' | 'deny'; browser?: Browser } = {},
): Promise<URL> {
  const browser = options.browser ?? new Browser();
  let step = await browser.go(authorizationUrl);
  if (step.url.pathname === '/login') {
    const fields = { ...hiddenFields(step.html!), username: options.username ?? ADMIN.username, password: options.password ?? ADMIN.password };
    step = await browser.submit(new URL('/login', step.url), fields);
  }
  if (step.leftTo) return step.leftTo;
  if (step.url.pathname !== '/consent')
    throw new Error(`expected the consent page, got ${step.url.pathname} (${step.page?.status}): ${step.html?.slice(0, 300)}`);
  const answered = await browser.submit(new URL('/consent', step.url), { ...hiddenFields(step.html!), decision: options.decision ?? 'approve' });
  if (!answered.leftTo) throw new Error(`consent did not redirect to the client (${answered.page?.status})`);
  return answered.leftTo;
}
