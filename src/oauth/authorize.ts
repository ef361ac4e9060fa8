// GET/POST /authorize (RFC 6749 §4.1.1). Validates the request, then hands it, sealed, to the consent page, which
// asks the user to sign in first when needed.
import type { Context } from 'hono';
import type { Logger } from '../log.js';
import { ErrorPage } from '../pages/error.js';
import { sendPage } from '../pages/respond.js';
import { redirectWith, sealAuthorizationRequest, validateAuthorizationRequest } from './authorization-request.js';
import type { ClientLookup } from './client-registry.js';
import { OAuthError, TooManyRequests } from '../errors.js';
import { PAGE_BODY_LIMIT } from '../http/body-limits.js';
import { paramsFromSearch, readOAuthParams } from './params.js';

export interface AuthorizeDeps {
  clients: ClientLookup;
  issuer: string;
  /** The gateway's upstream servers, whose endpoints are resources too. */
  servers: readonly string[];
  requestKey: Uint8Array;
  logger: Logger;
  /** Counts the request against the per-address budget; throws TooManyRequests over it. */
  limit: (c: Context) => Promise<void>;
}

export function authorizeRoute(deps: AuthorizeDeps) {
  return async (c: Context) => {
    try {
      await deps.limit(c);
      const params = c.req.method === 'POST' ? await readOAuthParams(c, PAGE_BODY_LIMIT) : paramsFromSearch(new URL(c.req.url).searchParams);
      const { request } = await validateAuthorizationRequest(params, { clients: deps.clients, baseUrl: deps.issuer, servers: deps.servers });
      const sealed = await sealAuthorizationRequest(request, deps.requestKey, deps.issuer);
      return c.redirect(`/consent?request=${encodeURIComponent(sealed)}`, 303);
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      deps.logger.info(
        { req_id: c.get('requestId'), path: c.req.path, error: error.code, reason: error.slug, description: error.description, detail: error.detail },
        'refused',
      );
      if (error.redirect) {
        const { uri, state } = error.redirect;
        return c.redirect(redirectWith(uri, { error: error.code, error_description: error.description, state, iss: deps.issuer }), 303);
      }
      if (error instanceof TooManyRequests) {
        c.header('Retry-After', String(error.retryAfterSeconds));
        const minutes = Math.ceil(error.retryAfterSeconds / 60);
        const page = ErrorPage({
          title: 'Too many requests',
          message: 'Too many connection requests came from your network in the last minute.',
          detail: error.description,
          next: `Wait ${minutes === 1 ? 'a minute' : `${minutes} minutes`}, then connect the app again.`,
        });
        return sendPage(c, page, { status: 429 });
      }
      const page = ErrorPage({
        title: 'This connection request is not valid',
        message: 'The app that sent you here asked in a way this server cannot accept, so nothing was shared with it.',
        detail: error.description,
        next: 'Go back to the app and connect again. If it fails the same way, the app’s developer or your administrator can fix it.',
      });
      return sendPage(c, page, { status: 400 });
    }
  };
}
