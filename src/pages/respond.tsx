// Sends a page: HTML that is never cached, never framed and, by its Content-Security-Policy, runs no script.
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { JSX } from 'hono/jsx/jsx-runtime';
import { BrandContext, DEFAULT_BRAND, type Brand } from './brand.js';

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
  return c.html(<BrandContext.Provider value={brand}>{page}</BrandContext.Provider>, options.status ?? 200);
}

/** The CSP source that lets a form's redirect reach `uri`: its origin, or its scheme for private-use schemes. */
export function formTargetFor(uri: string): string {
  const url = new URL(uri);
  return url.origin !== 'null' ? url.origin : url.protocol;
}

/** The paths that answer with pages (sign-in, consent, account): their bodies are small forms. */
const PAGE_PATHS = /^\/(login|logout|consent|account)(\/|$)/;
export const isPagePath = (path: string): boolean => PAGE_PATHS.test(path);
