// POST /introspect (RFC 7662): a confidential client asks whether a token is active. A client may introspect
// the tokens issued to it; the resource servers named in INTROSPECTION_CLIENTS may introspect any. Anything
// unknown, expired, revoked or not the caller's is simply {"active": false}.
import type { Context } from 'hono';
import { sha256 } from '../crypto.js';
import type { KeyStore } from '../keys/key-store.js';
import type { Storage } from '../storage/index.js';
import { ACCESS_TOKEN_TYP } from './access-token.js';
import { clientEndpoint, type ClientEndpointDeps } from './client-endpoint.js';
import { InvalidClient } from '../errors.js';
import { required } from './params.js';
import { refreshTokenStatus } from './refresh-tokens.js';

export interface IntrospectDeps {
  storage: Pick<Storage, 'grants' | 'users'>;
  keys: KeyStore;
  issuer: string;
  resourceServers: readonly string[];
  refreshGraceSeconds: number;
}

const INACTIVE = { active: false } as const;

export function introspectRoute(deps: IntrospectDeps, endpoint: ClientEndpointDeps) {
  return clientEndpoint(endpoint, async (c: Context, { params, client }) => {
    if (client.metadata.token_endpoint_auth_method === 'none') throw new InvalidClient('introspection is for clients that authenticate; this client is public');
    const token = required(params, 'token');
    const mayInspect = (owner: string) => owner === client.clientId || deps.resourceServers.includes(client.clientId);
    // The hint only orders the lookups (RFC 7662 §2.1).
    const lookups = params.token_type_hint === 'refresh_token' ? [refreshToken, accessToken] : [accessToken, refreshToken];
    let answer: object = INACTIVE;
    for (const lookup of lookups) {
      const found = await lookup(token, deps);
      if (found) {
        answer = mayInspect(found.client_id) ? found : INACTIVE;
        break;
      }
    }
    return c.json(answer);
  });
}

async function accessToken(token: string, deps: IntrospectDeps) {
  let payload;
  try {
    ({ payload } = await deps.keys.verify(token, { issuer: deps.issuer, typ: ACCESS_TOKEN_TYP }));
  } catch {
    return undefined;
  }
  const grant = await deps.storage.grants.find(String(payload.grant_id));
  if (!grant || grant.revokedAt !== null) return undefined;
  return {
    active: true,
    token_type: 'Bearer',
    scope: payload.scope,
    client_id: payload.client_id,
    username: payload.preferred_username,
    sub: payload.sub,
    aud: payload.aud,
    iss: payload.iss,
    jti: payload.jti,
    iat: payload.iat,
    exp: payload.exp,
  } as { active: true; client_id: string } & Record<string, unknown>;
}

async function refreshToken(token: string, deps: IntrospectDeps) {
  const found = await deps.storage.grants.findRefreshToken(sha256(token));
  if (!found || found.grant.revokedAt !== null) return undefined;
  const now = Date.now();
  const { token: stored, grant } = found;
  if (refreshTokenStatus(stored, now, deps.refreshGraceSeconds) !== 'usable') return undefined;
  const user = await deps.storage.users.findById(grant.userId);
  return {
    active: true,
    token_type: 'refresh_token',
    scope: grant.scope,
    client_id: grant.clientId,
    username: user?.username,
    sub: grant.userId,
    aud: grant.resource,
    iss: deps.issuer,
    iat: Math.floor(stored.createdAt / 1000),
    exp: Math.floor(stored.expiresAt / 1000),
  };
}
