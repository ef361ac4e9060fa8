// Verifies Gatehouse's own access tokens for the MCP endpoint: signature by a published key (ES256 only, `kid`
// required), type at+jwt (RFC 9068), issuer, audience = the requested MCP endpoint or the whole server (RFC 8707), expiry, and a grant
// that has not been revoked. A verified token is remembered until it expires, so the next call with it costs a
// map lookup instead of a signature check; revocation, expiry and key retirement are still checked on every use.
import type { AuthInfo } from '@modelcontextprotocol/server';
import { decodeProtectedHeader, errors } from 'jose';
import { LRUCache } from 'lru-cache';
import { systemClock, type Clock } from '../clock.js';
import type { KeyStore } from '../keys/key-store.js';
import { authInfoFor, verifiedCaller } from '../caller.js';
import type { McpResource } from '../protected-resources.js';
import type { RevocationList } from './revocation-list.js';
import { InvalidToken } from '../errors.js';
import type { TokenVerifier } from './token-verifier.js';

const REQUIRED_CLAIMS = ['sub', 'client_id', 'scope', 'jti', 'iat', 'exp', 'grant_id'];
/** Bounds the memory of the cache: about 1.5 KB a token. */
const MAX_CACHED = 20_000;

interface Verified {
  authInfo: AuthInfo;
  resource: string;
  kid: string;
  grantId: string;
  expiresAtMs: number;
}

export class AccessTokenVerifier implements TokenVerifier {
  private readonly verified = new LRUCache<string, Verified>({ max: MAX_CACHED });
  /** One URL object per MCP endpoint, shared by every cached token. */
  private readonly resourceUrls = new Map<string, URL>();

  constructor(
    private readonly keys: KeyStore,
    private readonly issuer: string,
    private readonly revocations: RevocationList,
    private readonly now: Clock = systemClock,
  ) {}

  async verify(token: string, resource: McpResource): Promise<AuthInfo> {
    const known = this.verified.get(token);
    if (known && known.resource === resource.url && this.now() < known.expiresAtMs && this.keys.publishes(known.kid)) {
      if (this.revocations.has(known.grantId)) throw revoked();
      return { ...known.authInfo };
    }
    const verified = await this.verifyFully(token, resource);
    // lru-cache keeps an entry with no time to live forever: a token about to expire is not kept at all.
    const ttl = verified.expiresAtMs - this.now();
    if (ttl > 0) this.verified.set(token, verified, { ttl });
    return { ...verified.authInfo };
  }

  private async verifyFully(token: string, resource: McpResource): Promise<Verified> {
    let header;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      throw new InvalidToken('the access token is malformed', { reason: 'malformed' });
    }
    if (typeof header.kid !== 'string') throw new InvalidToken('the access token names no signing key', { reason: 'signing_key' });

    let payload;
    try {
      ({ payload } = await this.keys.verify(token, {
        issuer: this.issuer,
        audience: resource.audiences as string[],
        typ: 'at+jwt',
        requiredClaims: REQUIRED_CLAIMS,
        currentDate: new Date(this.now()),
      }));
    } catch (error) {
      throw refusal(error);
    }
    const grantId = String(payload.grant_id);
    if (this.revocations.has(grantId)) throw revoked();
    const caller = verifiedCaller({
      user: { id: String(payload.sub), username: String(payload.preferred_username ?? payload.sub) },
      clientId: String(payload.client_id),
      scopes: String(payload.scope).split(' ').filter(Boolean),
      grantId,
    });
    const authInfo = authInfoFor(caller, token, this.resourceUrl(resource.url), payload.exp);
    return { authInfo, resource: resource.url, kid: header.kid, grantId, expiresAtMs: payload.exp! * 1000 };
  }

  private resourceUrl(resource: string): URL {
    let url = this.resourceUrls.get(resource);
    if (!url) this.resourceUrls.set(resource, (url = new URL(resource)));
    return url;
  }
}

const revoked = () => new InvalidToken('the access token has been revoked', { reason: 'revoked' });

function refusal(error: unknown): InvalidToken {
  if (error instanceof errors.JWTExpired) return new InvalidToken('the access token has expired', { reason: 'expired' });
  if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'aud')
    return new InvalidToken('the access token was issued for another resource', { reason: 'audience' });
  if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'iss')
    return new InvalidToken('the access token was issued by another server', { reason: 'issuer' });
  return new InvalidToken('the access token is not valid', { reason: error instanceof errors.JWKSNoMatchingKey ? 'signing_key' : 'invalid' });
}
