// The opening every client-authenticated endpoint shares (/token, /revoke, /introspect), once, as node-oidc-provider's
// client-auth chain does: read the parameters (a form or JSON; a parameter sent twice is refused), authenticate the
// client (client_secret_basic or _post, private_key_jwt, or none for a public client naming itself), count it
// against its budget, and answer with no-store. The routes keep only their grant logic.
import type { Context } from 'hono';
import { OAUTH_BODY_LIMIT } from '../http/body-limits.js';
import type { KeyedLimit } from '../http/rate-limit.js';
import type { Client } from '../storage/index.js';
import type { ClientAssertions } from './client-assertion.js';
import { authenticateClient } from './client-auth.js';
import type { ClientLookup } from './client-registry.js';
import { readOAuthParams, type OAuthParams } from './params.js';

export interface ClientEndpointDeps {
  clients: ClientLookup;
  assertions: ClientAssertions;
  /** Requests per minute from one client that proved who it is (RATE_LIMIT_PER_CLIENT). */
  perClient: KeyedLimit;
}

export interface ClientRequest {
  params: OAuthParams;
  client: Client;
}

export function clientEndpoint(deps: ClientEndpointDeps, handle: (c: Context, request: ClientRequest) => Promise<Response>) {
  return async (c: Context): Promise<Response> => {
    const params = await readOAuthParams(c, OAUTH_BODY_LIMIT);
    const client = await authenticateClient(params, c.req.raw, deps.clients, deps.assertions);
    c.set('clientId', client.clientId); // for the request log
    // Public clients name themselves without proof: a budget per public client_id would let anyone exhaust Claude's.
    if (client.secretHash !== null || client.metadata.token_endpoint_auth_method === 'private_key_jwt') await deps.perClient.consume(client.clientId);
    c.header('Cache-Control', 'no-store');
    c.header('Pragma', 'no-cache');
    return handle(c, { params, client });
  };
}
