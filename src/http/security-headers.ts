// The headers every response carries, pages and APIs alike: the set helmet (and Hono's secureHeaders) sends, with
// Cross-Origin-Opener-Policy and Cross-Origin-Resource-Policy left out, since clients open sign-in in popups and talk
// to them through window.opener. One fixed list, so that responses made outside Hono carry exactly the same.
import type { MiddlewareHandler } from 'hono';

export function securityHeaders(baseUrl: string): ReadonlyArray<readonly [string, string]> {
  return [
    ['Origin-Agent-Cluster', '?1'],
    ['Referrer-Policy', 'no-referrer'],
    ...(baseUrl.startsWith('https://') ? [['Strict-Transport-Security', 'max-age=31536000; includeSubDomains'] as const] : []),
    ['X-Content-Type-Options', 'nosniff'],
    ['X-DNS-Prefetch-Control', 'off'],
    ['X-Download-Options', 'noopen'],
    ['X-Frame-Options', 'DENY'],
    ['X-Permitted-Cross-Domain-Policies', 'none'],
    // The legacy XSS auditor is itself exploitable; turned off as current advice says.
    ['X-XSS-Protection', '0'],
  ];
}

/** Sets `headers` on every response the app sends, whoever made it. */
export function withSecurityHeaders(headers: ReadonlyArray<readonly [string, string]>): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const sent = c.res.headers;
    for (const [name, value] of headers) sent.set(name, value);
  };
}
