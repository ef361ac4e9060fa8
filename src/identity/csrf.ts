// CSRF protection for the login, consent and account forms: the browser holds a random cookie, each form carries
// an HMAC of it (so a planted cookie is useless without the server's key), and cross-site posts are refused
// outright by their Origin / Sec-Fetch-Site headers.
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

  /** The token to put in a form, creating the browser's CSRF cookie when it has none. */
  tokenFor(c: Context): string {
    let seed = this.cookies.get(c, COOKIE);
    if (!seed) {
      seed = randomToken();
      this.cookies.set(c, COOKIE, seed);
    }
    return this.sign(seed);
  }

  /** True when the submitted form token belongs to this browser and the post came from our own pages. */
  verify(c: Context, submitted: unknown): boolean {
    const origin = c.req.header('origin');
    if (origin !== undefined && origin !== this.origin) return false;
    if (c.req.header('sec-fetch-site') === 'cross-site') return false;
    const seed = this.cookies.get(c, COOKIE);
    return typeof submitted === 'string' && seed !== undefined && safeEqual(submitted, this.sign(seed));
  }

  private sign(seed: string): string {
    return createHmac('sha256', this.key).update(seed).digest('base64url');
  }
}
