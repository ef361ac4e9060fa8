// CSRF protection for the login, consent and account forms: the browser holds a random cookie, each form carries
// an HMAC of it (so a planted cookie is useless without the server's key), optionally bound to what the form is
// about, and cross-site posts are refused outright by their Origin / Sec-Fetch-Site headers.
import { createHmac } from 'node:crypto';
import type { Context } from 'hono';
import { randomToken, safeEqual } from '../crypto.js';
import type { Cookies } from './cookies.js';

const COOKIE = 'gatehouse_csrf';

export class CsrfProtection {
  constructor(
    private readonly key: Buffer,
    private readonly cookies: Cookies,
    private readonly origin: string,
  ) {}

  /**
   * The token to put in a form, creating the browser's CSRF cookie when it has none. `boundTo` ties the token to
   * one subject (the consent form binds it to the very authorization request it shows).
   */
  tokenFor(c: Context, boundTo = ''): string {
    let seed = this.cookies.get(c, COOKIE);
    if (!seed) {
      seed = randomToken();
      this.cookies.set(c, COOKIE, seed);
    }
    return this.sign(seed, boundTo);
  }

  /** True when the submitted token belongs to this browser (and subject) and the post came from our own pages. */
  verify(c: Context, submitted: unknown, boundTo = ''): boolean {
    const origin = c.req.header('origin');
    // Under Referrer-Policy: no-referrer a browser sends "Origin: null" even from our own pages; the token decides.
    if (origin !== undefined && origin !== 'null' && origin !== this.origin) return false;
    if (c.req.header('sec-fetch-site') === 'cross-site') return false;
    const seed = this.cookies.get(c, COOKIE);
    return typeof submitted === 'string' && seed !== undefined && safeEqual(submitted, this.sign(seed, boundTo));
  }

  private sign(seed: string, boundTo: string): string {
    return createHmac('sha256', this.key).update(`${seed}\n${boundTo}`).digest('base64url');
  }
}
