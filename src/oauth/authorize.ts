// GET/POST /authorize (RFC 6749 §4.1.1). Validates the request, then hands it, sealed, to the consent page, which
// asks the user to sign in first when needed.
import type { Context } from 'hono';
import type { Logger } from '../log.js';
import { ErrorPage } from '../pages/error.js';
import { sendPage } from '../pages/respond.js';
import { AuthorizationRefused, redirectWith, sealAuthorizationRequest, validateAuthorizationRequest } from './authorization-request.js';
import type { ClientLookup } from './client-registry.js';
import { OAuthError } from './errors.js';
import { paramsFromSearch, readOAuthParams } from './params.js';

export interface AuthorizeDeps {
  clients: ClientLookup;
  issuer: string;
  requestKey: Uint8Array;
  logger: Logger;
}

export function authorizeRoute(deps: AuthorizeDeps) {
  return async (c: Context) => {
    try {
      const params = c.req.method === 'POST' ? await readOAuthParams(c.req.raw) : paramsFromSearch(new URL(c.req.url).searchParams);
      const { request } = await validateAuthorizationRequest(params, { clients: deps.clients, baseUrl: deps.issuer });
      const sealed = await sealAuthorizationRequest(request, deps.requestKey, deps.issuer);
      return c.redirect(`/consent?request=${encodeURIComponent(sealed)}`, 303);
    } catch (error) {
      if (error instanceof AuthorizationRefused && error.redirectUri) {
        const { code, description } = error.error;
        return c.redirect(redirectWith(error.redirectUri, { error: code, error_description: description, state: error.state, iss: deps.issuer }), 303);
      }
      const refusal = error instanceof AuthorizationRefused ? error.error : error instanceof OAuthError ? error : undefined;
      if (!refusal) throw error;
      deps.logger.info(
        { req_id: c.get('requestId'), path: c.req.path, error: refusal.code, description: refusal.description, detail: refusal.detail },
        'refused',
      );
      return sendPage(c, ErrorPage({ title: 'This connection request is not valid', message: refusal.description }), { status: 400 });
    }
  };
}
