// Verifies access tokens from an external authorization server (AUTH_MODE=external): JWTs against the issuer's
// published keys (asymmetric algorithms only), checking iss, aud (the MCP endpoint's URL or the origin, or EXTERNAL_AUDIENCE),
// exp and nbf; opaque tokens by RFC 7662 introspection when it is configured. Scopes come from `scope` or `scp`,
// translated into MCP scopes; the caller becomes a Gatehouse user named by (issuer, subject).
import type { AuthInfo } from '@modelcontextprotocol/server';
import { decodeJwt, errors, jwtVerify, type JWTPayload } from 'jose';
import { LRUCache } from 'lru-cache';
import type { ExternalSettings } from '../auth-config.js';
import { authInfoFor, verifiedCaller } from '../caller.js';
import type { McpResource } from '../protected-resources.js';
import { isActive } from '../storage/users.js';
import type { IdentitiesRepository } from '../storage/identities.js';
import { IssuerKeys } from './issuer-keys.js';
import type { ScopeNames } from './scope-names.js';
import { InvalidToken, OAuthError, TemporarilyUnavailable } from '../errors.js';
import type { TokenVerifier } from './token-verifier.js';

const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
const CLOCK_TOLERANCE_SECONDS = 30;
const MAX_CACHED = 20_000;
/** An introspected token is asked about again after this long, so a revocation upstream takes effect. */
const INTROSPECTION_CACHE_MS = 60_000;

interface Verified {
  authInfo: AuthInfo;
  resource: string;
}

export class ExternalTokenVerifier implements TokenVerifier {
  private readonly verified = new LRUCache<string, Verified>({ max: MAX_CACHED });
  private readonly keys: IssuerKeys;

  constructor(
    private readonly settings: ExternalSettings,
    private readonly scopeNames: ScopeNames,
    /** Where a token's subject becomes a Gatehouse user: found by its identity, or made on first sight. */
    private readonly identities: Pick<IdentitiesRepository, 'resolve'>,
  ) {
    this.keys = new IssuerKeys(settings.jwksUrl);
  }

  async verify(token: string, resource: McpResource): Promise<AuthInfo> {
    const known = this.verified.get(token);
    if (known && known.resource === resource.url) return { ...known.authInfo };
    const accepted = this.settings.audience ? [this.settings.audience] : [...resource.audiences];
    const { claims, cacheUntil } = token.split('.').length === 3 ? await this.verifyJwt(token, accepted) : await this.introspect(token, accepted);

    const issuer = String(claims.iss ?? this.settings.issuers[0]);
    const email = typeof claims.email === 'string' ? claims.email : undefined;
    const user = await this.identities.resolve({
      issuer,
      subject: String(claims.sub),
      preferredUsername: String(claims.preferred_username ?? claims.username ?? email ?? claims.upn ?? claims.sub),
      email,
      name: typeof claims.name === 'string' ? claims.name : undefined,
    });
    if (!isActive(user)) throw new InvalidToken('this user is disabled on this server', { reason: 'user_disabled' });
    const caller = verifiedCaller({
      user: { id: user.id, username: user.username },
      clientId: String(claims.client_id ?? claims.azp ?? claims.cid ?? claims.appid ?? ''),
      scopes: this.scopeNames.toMcp(grantedScopes(claims)),
    });
    const authInfo = authInfoFor(caller, token, new URL(resource.url), typeof claims.exp === 'number' ? claims.exp : undefined);
    // lru-cache keeps an entry with no time to live forever: one that would expire at once is not kept at all.
    const ttl = cacheUntil - Date.now();
    if (ttl > 0) this.verified.set(token, { authInfo, resource: resource.url }, { ttl });
    return { ...authInfo };
  }

  private async verifyJwt(token: string, accepted: string[]): Promise<{ claims: JWTPayload; cacheUntil: number }> {
    let issuer: unknown;
    try {
      issuer = decodeJwt(token).iss;
    } catch {
      throw new InvalidToken('the access token is malformed', { reason: 'malformed' });
    }
    if (typeof issuer !== 'string' || !this.settings.issuers.includes(issuer))
      throw new InvalidToken('the access token was issued by another server', { reason: 'issuer' });
    try {
      const { payload } = await jwtVerify(token, await this.keys.for(issuer), {
        issuer,
        audience: accepted,
        algorithms: ALGORITHMS,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['sub', 'exp'],
      });
      return { claims: payload, cacheUntil: payload.exp! * 1000 };
    } catch (error) {
      throw translate(error);
    }
  }

  private async introspect(token: string, accepted: string[]): Promise<{ claims: JWTPayload; cacheUntil: number }> {
    const endpoint = this.settings.introspection;
    if (!endpoint) throw new InvalidToken('the access token is not a JWT, and no introspection endpoint is configured', { reason: 'malformed' });
    let response: Response;
    try {
      response = await fetch(endpoint.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
          authorization: `Basic ${Buffer.from(`${encodeURIComponent(endpoint.clientId)}:${encodeURIComponent(endpoint.clientSecret)}`).toString('base64')}`,
        },
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }),
        signal: AbortSignal.timeout(5000),
      });
    } catch (error) {
      throw new TemporarilyUnavailable('the introspection endpoint cannot be reached', { reason: 'issuer_unreachable', detail: String(error) });
    }
    if (!response.ok) throw new TemporarilyUnavailable(`the introspection endpoint answered ${response.status}`, { reason: 'issuer_unreachable' });
    const claims = (await response.json().catch(() => ({}))) as JWTPayload & { active?: unknown };
    const now = Date.now();
    if (claims.active !== true) throw new InvalidToken('the access token is not active', { reason: 'inactive' });
    if (typeof claims.exp === 'number' && claims.exp * 1000 <= now) throw new InvalidToken('the access token has expired', { reason: 'expired' });
    if (claims.iss !== undefined && !this.settings.issuers.includes(String(claims.iss)))
      throw new InvalidToken('the access token was issued by another server', { reason: 'issuer' });
    const audiences = claims.aud === undefined ? undefined : Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (audiences && !audiences.some((named) => accepted.includes(String(named))))
      throw new InvalidToken('the access token was issued for another resource', { reason: 'audience' });
    if (claims.sub === undefined) throw new InvalidToken('the access token names no subject', { reason: 'invalid' });
    const cacheUntil = Math.min(now + INTROSPECTION_CACHE_MS, typeof claims.exp === 'number' ? claims.exp * 1000 : Infinity);
    return { claims, cacheUntil };
  }
}

/** `scope` (RFC 9068, a space-separated string) or `scp` (Okta, Entra ID: an array or a string). */
function grantedScopes(claims: JWTPayload): string[] {
  const value = claims.scope ?? claims.scp;
  if (Array.isArray(value)) return value.map(String);
  return typeof value === 'string' ? value.split(' ').filter(Boolean) : [];
}

function translate(error: unknown): OAuthError {
  if (error instanceof OAuthError) return error;
  if (error instanceof errors.JWTExpired) return new InvalidToken('the access token has expired', { reason: 'expired' });
  if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'aud')
    return new InvalidToken('the access token was issued for another resource', { reason: 'audience' });
  if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'nbf')
    return new InvalidToken('the access token is not valid yet', { reason: 'not_yet_valid' });
  if (error instanceof errors.JWKSNoMatchingKey)
    return new InvalidToken('the access token is signed by a key its issuer does not publish', { reason: 'signing_key' });
  if (error instanceof errors.JWKSTimeout || !(error instanceof errors.JOSEError)) {
    return new TemporarilyUnavailable("the issuer's signing keys cannot be fetched right now", { reason: 'issuer_unreachable', detail: String(error) });
  }
  return new InvalidToken('the access token is not valid', { reason: 'invalid' });
}
