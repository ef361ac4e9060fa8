// Sends a page: HTML that is never cached, never framed and, by its Content-Security-Policy, runs no script. And
// what the app answers where none of its routes does.
import type { Context } from 'hono';
import type { Router } from 'hono/router';
import type { RouterRoute } from 'hono/types';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { JSX } from 'hono/jsx/jsx-runtime';
import { BrandContext, DEFAULT_BRAND, RequestIdContext, type Brand } from './brand.js';
import { MethodNotAllowedPage, NotFoundPage, UnexpectedErrorPage } from './error.js';

/** Where a logo may load from, as a CSP source. */
const sourceOf = (url: string) => (url.startsWith('data:') ? 'data:' : new URL(url).origin);

/**
 * `imageOrigin` lets a client's logo load (only a metadata-document client's, from its own origin).
 * `formTarget` widens form-action for the consent page: browsers apply form-action to the redirect that follows a
 * form post, and that redirect goes to the client.
 */
export function sendPage(c: Context, page: JSX.Element, options: { status?: ContentfulStatusCode; formTarget?: string; imageOrigin?: string } = {}) {
  const brand: Brand = c.get('brand') ?? DEFAULT_BRAND;
  const formAction = ["'self'", options.formTarget].filter(Boolean).join(' ');
  const imgSrc = ["'self'", options.imageOrigin, brand.logoUrl && sourceOf(brand.logoUrl)].filter(Boolean).join(' ');
  c.header(
    'Content-Security-Policy',
    `default-src 'none'; style-src 'self'; img-src ${imgSrc}; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`,
  );
  c.header('Cache-Control', 'no-store');
  return c.html(
    <BrandContext.Provider value={brand}>
      <RequestIdContext.Provider value={c.get('requestId')}>{page}</RequestIdContext.Provider>
    </BrandContext.Provider>,
    options.status ?? 200,
  );
}

/** The CSP source that lets a form's redirect reach `uri`: its origin, or its scheme for private-use schemes. */
export function formTargetFor(uri: string): string {
  const url = new URL(uri);
  return url.origin !== 'null' ? url.origin : url.protocol;
}

/** The paths that answer with pages (sign-in, consent, account): their bodies are small forms. */
const PAGE_PATHS = /^\/(login|logout|consent|account)(\/|$)/;
export const isPagePath = (path: string): boolean => PAGE_PATHS.test(path);

/** A browser navigating asks for HTML; API clients ask for JSON, or for nothing in particular. */
const wantsPage = (c: Context) => (c.req.header('accept') ?? '').includes('text/html');

/** A browser's request that failed unexpectedly: a page with the request id, never a detail; else undefined. */
export function unexpectedErrorPage(c: Context): Response | Promise<Response> | undefined {
  if (!wantsPage(c)) return undefined;
  return sendPage(c, UnexpectedErrorPage(), { status: 500 });
}

/** The methods routes are registered for; `ALL` is middleware's, or an endpoint's that answers every method itself. */
const ROUTED_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/**
 * The answer where no route takes a request: 405 with Allow (RFC 9110 §15.5.6) where the path has routes for other
 * methods; else 404. A browser gets a page, an API client the JSON error it always got.
 */
export function answerUnrouted(app: { router: Router<[unknown, RouterRoute]> }) {
  const methodsAt = (path: string) => ROUTED_METHODS.filter((method) => app.router.match(method, path)[0].some(([[, route]]) => route.method === method));
  return (c: Context): Response | Promise<Response> => {
    const { path, method } = c.req;
    // Hono routes HEAD as GET.
    const routedAs = method === 'HEAD' ? 'GET' : method;
    const allowed = methodsAt(path);
    // A route of this very method that passed the request on (GET / for anything but a browser) is not a 405.
    if (allowed.length > 0 && !allowed.some((m) => m === routedAs)) {
      c.header('Allow', (allowed.some((m) => m === 'GET') ? [...allowed, 'HEAD'] : allowed).join(', '));
      if (wantsPage(c)) return sendPage(c, MethodNotAllowedPage({ path, method, allowed }), { status: 405 });
      return c.json({ error: 'method_not_allowed', error_description: `${path} answers ${allowed.join(', ')}, not ${method}` }, 405);
    }
    if (wantsPage(c)) return sendPage(c, NotFoundPage({ path }), { status: 404 });
    return c.json({ error: 'not_found', error_description: `nothing at ${path}` }, 404);
  };
}
