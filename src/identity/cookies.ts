// Cookie names and attributes. Over https the __Host- prefix pins a cookie to this exact origin (no Domain, Path=/,
// Secure), so a sibling subdomain cannot plant or overwrite it.
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';

export class Cookies {
  private readonly secure: boolean;

  constructor(baseUrl: string) {
    this.secure = baseUrl.startsWith('https://');
  }

  private name(base: string) {
    return this.secure ? `__Host-${base}` : base;
  }

  get(c: Context, base: string): string | undefined {
    return getCookie(c, this.name(base));
  }

  set(c: Context, base: string, value: string, maxAgeSeconds?: number): void {
    setCookie(c, this.name(base), value, {
      path: '/',
      httpOnly: true,
      secure: this.secure,
      sameSite: 'Lax',
      ...(maxAgeSeconds !== undefined && { maxAge: maxAgeSeconds }),
    });
  }

  delete(c: Context, base: string): void {
    deleteCookie(c, this.name(base), { path: '/', secure: this.secure });
  }
}
