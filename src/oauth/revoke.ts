// POST /revoke (RFC 7009). Revoking either token ends the grant behind it, so the refresh token and every access
// token it issued stop working. Unknown or foreign tokens get the same 200, revealing nothing.
import type { Context } from 'hono';
import { sha256 } from '../crypto.js';
import type { Audit } from '../audit.js';
import type { KeyStore } from '../keys/key-store.js';
import type { Client, Storage } from '../storage/index.js';
import { ACCESS_TOKEN_TYP } from './access-token.js';
import { clientEndpoint, type ClientEndpointDeps } from './client-endpoint.js';
import { required } from './params.js';

export interface RevokeDeps {
  storage: Pick<Storage, 'grants'>;
  audit: Audit;
  keys: KeyStore;
  issuer: string;
}

export function revokeRoute(deps: RevokeDeps, endpoint: ClientEndpointDeps) {
  return clientEndpoint(endpoint, async (c: Context, { params, client }) => {
    const token = required(params, 'token');
    const grantId = (await refreshTokenGrant(token, client, deps)) ?? (await accessTokenGrant(token, client, deps));
    if (grantId && (await deps.storage.grants.revoke(grantId, Date.now()))) {
      await deps.audit(c, { type: 'grant.revoked', clientId: client.clientId, detail: { grantId, reason: 'revoked by the client' } });
    }
    return c.body(null, 200);
  });
}

async function refreshTokenGrant(token: string, client: Client, deps: RevokeDeps): Promise<string | undefined> {
  const found = await deps.storage.grants.findRefreshToken(sha256(token));
  return found && found.grant.clientId === client.clientId ? found.grant.id : undefined;
}

async function accessTokenGrant(token: string, client: Client, deps: RevokeDeps): Promise<string | undefined> {
  try {
    const { payload } = await deps.keys.verify(token, { issuer: deps.issuer, typ: ACCESS_TOKEN_TYP });
    return payload.client_id === client.clientId && typeof payload.grant_id === 'string' ? payload.grant_id : undefined;
  } catch {
    return undefined;
  }
}
