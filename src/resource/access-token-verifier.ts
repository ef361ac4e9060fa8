// Verifies Gatehouse's own access tokens for the MCP endpoint: signature by a published key (ES256 only, `kid`
// required), type at+jwt (RFC 9068), issuer, audience = the requested MCP endpoint (RFC 8707), expiry, and a grant
// that has not been revoked.
import type { AuthInfo } from '@modelcontextprotocol/server';
import { decodeProtectedHeader, errors } from 'jose';
import type { KeyStore } from '../keys/key-store.js';
import type { Caller } from '../mcp/toolset.js';
import type { RevocationList } from './revocation-list.js';

export class InvalidAccessToken extends Error {
  override readonly name = 'InvalidAccessToken';
}

const REQUIRED_CLAIMS = ['sub', 'client_id', 'scope', 'jti', 'iat', 'exp', 'grant_id'];

export class AccessTokenVerifier {
  constructor(
    private readonly keys: KeyStore,
    private readonly issuer: string,
    private readonly revocations: RevocationList,
  ) {}

  async verify(token: string, resource: string): Promise<AuthInfo> {
    let header;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      throw new InvalidAccessToken('the access token is malformed');
    }
    if (typeof header.kid !== 'string') throw new InvalidAccessToken('the access token names no signing key');

    let payload;
    try {
      ({ payload } = await this.keys.verify(token, { issuer: this.issuer, audience: resource, typ: 'at+jwt', requiredClaims: REQUIRED_CLAIMS }));
    } catch (error) {
      throw new InvalidAccessToken(describe(error));
    }
    const caller: Caller = { userId: String(payload.sub), username: String(payload.preferred_username ?? payload.sub), grantId: String(payload.grant_id) };
    if (this.revocations.has(caller.grantId)) throw new InvalidAccessToken('the access token has been revoked');
    return {
      token,
      clientId: String(payload.client_id),
      scopes: String(payload.scope).split(' ').filter(Boolean),
      expiresAt: payload.exp,
      resource: new URL(resource),
      extra: { caller },
    };
  }
}

function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the access token has expired';
  if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'aud') return 'the access token was issued for another resource';
  if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'iss') return 'the access token was issued by another server';
  return 'the access token is not valid';
}
