// POST /token (RFC 6749 §3.2): the authorization_code grant with PKCE, and the refresh_token grant with rotation.
import { randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import { randomToken, sha256 } from '../crypto.js';
import type { Clock } from '../clock.js';
import type { KeyStore } from '../keys/key-store.js';
import { canonicalResource } from '../protected-resources.js';
import type { Audit } from '../audit.js';
import { isActive, type AuditEvent, type Client, type Grant, type Storage } from '../storage/index.js';
import { issueAccessToken } from './access-token.js';
import { clientEndpoint, type ClientEndpointDeps } from './client-endpoint.js';
import { InvalidGrant, InvalidTarget, UnauthorizedClient, UnsupportedGrantType } from '../errors.js';
import { required, type OAuthParams } from './params.js';
import { verifierMatches } from './pkce.js';
import { refreshTokenStatus } from './refresh-tokens.js';
import { narrowScope, parseScope } from './scopes.js';

export interface TokenDeps {
  storage: Pick<Storage, 'codes' | 'grants' | 'users'>;
  /** What decides whether a code or a refresh token has expired. */
  now: Clock;
  audit: Audit;
  keys: KeyStore;
  issuer: string;
  ttl: { accessToken: number; refreshToken: number; refreshGrace: number };
}

interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
  refresh_token?: string;
}

export function tokenRoute(deps: TokenDeps, endpoint: ClientEndpointDeps) {
  return clientEndpoint(endpoint, async (c: Context, { params, client }) => {
    const audit = (event: Omit<AuditEvent, 'ip'>) => deps.audit(c, { clientId: client.clientId, ...event });
    switch (params.grant_type) {
      case 'authorization_code':
        return c.json(await exchangeCode(params, client, deps, audit));
      case 'refresh_token':
        return c.json(await rotateRefresh(params, client, deps, audit));
      default:
        throw new UnsupportedGrantType(`grant_type ${params.grant_type ?? '(missing)'} is not supported`);
    }
  });
}

type Recorder = (event: Omit<AuditEvent, 'ip'>) => Promise<void>;

async function exchangeCode(params: OAuthParams, client: Client, deps: TokenDeps, audit: Recorder): Promise<TokenResponse> {
  const codeHash = sha256(required(params, 'code'));
  const verifier = required(params, 'code_verifier');
  const redirectUri = required(params, 'redirect_uri');
  const { codes, grants } = deps.storage;

  const code = await codes.find(codeHash);
  if (!code || code.clientId !== client.clientId) throw new InvalidGrant('the authorization code is not valid');
  const now = deps.now();
  if (code.usedAt !== null) return refuseReplay(codeHash, code.userId, deps, audit, now);
  const user = await deps.storage.users.findById(code.userId);
  try {
    if (now > code.expiresAt) throw new InvalidGrant('the authorization code has expired');
    if (redirectUri !== code.redirectUri) throw new InvalidGrant('redirect_uri differs from the one in the authorization request');
    if (!verifierMatches(verifier, code.codeChallenge)) throw new InvalidGrant('code_verifier does not match the code_challenge');
    checkResource(params.resource, code.resource);
    if (!isActive(user)) throw new InvalidGrant('the user of this authorization code is no longer active', { reason: 'user_inactive' });
  } catch (error) {
    await codes.consume(codeHash, now); // single use whatever the outcome: a failed attempt uses the code up too
    throw error;
  }

  const grant = { id: randomUUID(), userId: user.id, clientId: client.clientId, scope: code.scope, resource: code.resource, createdAt: now };
  const refreshToken = client.metadata.grant_types.includes('refresh_token') ? randomToken() : undefined;
  const refresh = refreshToken ? { tokenHash: sha256(refreshToken), expiresAt: now + deps.ttl.refreshToken * 1000 } : undefined;
  if (!(await grants.createFromCode(codeHash, grant, refresh))) return refuseReplay(codeHash, code.userId, deps, audit, now);
  await audit({ type: 'token.issued', userId: user.id, detail: { grantType: 'authorization_code', grantId: grant.id, scope: code.scope } });
  return respond(deps, { ...grant, revokedAt: null }, user.username, parseScope(code.scope), refreshToken);
}

async function rotateRefresh(params: OAuthParams, client: Client, deps: TokenDeps, audit: Recorder): Promise<TokenResponse> {
  const presented = sha256(required(params, 'refresh_token'));
  if (!client.metadata.grant_types.includes('refresh_token')) throw new UnauthorizedClient('this client did not register the refresh_token grant');
  const { grants } = deps.storage;

  const found = await grants.findRefreshToken(presented);
  if (!found || found.grant.clientId !== client.clientId || found.grant.revokedAt !== null) throw new InvalidGrant('the refresh token is not valid');
  const { token, grant } = found;
  const now = deps.now();
  const status = refreshTokenStatus(token, now, deps.ttl.refreshGrace);
  if (status === 'expired') throw new InvalidGrant('the refresh token has expired', { reason: 'refresh_token_expired' });
  if (status === 'reused') {
    // RFC 9700 §4.14.2: an old refresh token used again means two parties hold it; end the whole grant.
    await audit({ type: 'refresh.reuse_detected', userId: grant.userId, detail: { grantId: grant.id } });
    if (await grants.revoke(grant.id, now))
      await audit({ type: 'grant.revoked', userId: grant.userId, detail: { grantId: grant.id, reason: 'refresh token reused' } });
    throw new InvalidGrant('the refresh token was already used; the grant has been revoked', { reason: 'refresh_token_reused' });
  }
  const scope = narrowScope(params.scope, grant.scope);
  checkResource(params.resource, grant.resource);
  const user = await deps.storage.users.findById(grant.userId);
  if (!isActive(user)) throw new InvalidGrant('the user of this grant is no longer active', { reason: 'user_inactive' });

  // Inside the grace window a retried refresh (Claude may retry from another node) gets a fresh pair too.
  const refreshToken = randomToken();
  await grants.rotateRefreshToken(presented, grant.id, { tokenHash: sha256(refreshToken), expiresAt: now + deps.ttl.refreshToken * 1000 }, now);
  await audit({ type: 'token.issued', userId: grant.userId, detail: { grantType: 'refresh_token', grantId: grant.id, scope: scope.join(' ') } });
  return respond(deps, grant, user.username, scope, refreshToken);
}

/** RFC 6749 §4.1.2: a code used twice was probably stolen; what its first use issued is revoked. */
async function refuseReplay(codeHash: string, userId: string, deps: TokenDeps, audit: Recorder, now: number): Promise<never> {
  const grantId = (await deps.storage.codes.find(codeHash))?.grantId ?? null; // read again: a racing first use may just have set it
  await audit({ type: 'code.replay_detected', userId, detail: { grantId } });
  if (grantId && (await deps.storage.grants.revoke(grantId, now))) {
    await audit({ type: 'grant.revoked', userId, detail: { grantId, reason: 'code replayed' } });
  }
  throw new InvalidGrant('the authorization code was already used', { reason: 'code_replayed' });
}

/** RFC 8707 §2.2: a resource named at the token endpoint must be the one the grant is for. */
function checkResource(requested: string | undefined, bound: string): void {
  if (requested !== undefined && canonicalResource(requested) !== bound) throw new InvalidTarget('resource differs from the one this grant is for');
}

async function respond(deps: TokenDeps, grant: Grant, username: string, scope: string[], refreshToken: string | undefined): Promise<TokenResponse> {
  const accessToken = await issueAccessToken(
    deps.keys,
    { issuer: deps.issuer, userId: grant.userId, username, clientId: grant.clientId, scope, resource: grant.resource, grantId: grant.id },
    deps.ttl.accessToken,
    deps.now(),
  );
  return {
    access_token: accessToken,
    token_type: 'Bearer',
    expires_in: deps.ttl.accessToken,
    scope: scope.join(' '),
    ...(refreshToken && { refresh_token: refreshToken }),
  };
}
