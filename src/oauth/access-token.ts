// Access tokens: ES256 JWTs in the RFC 9068 shape, audience-bound to one MCP endpoint (RFC 8707).
import { randomUUID } from 'node:crypto';
import type { KeyStore } from '../keys/key-store.js';

export const ACCESS_TOKEN_TYP = 'at+jwt';

export interface AccessTokenSubject {
  issuer: string;
  userId: string;
  username: string;
  clientId: string;
  scope: string[];
  resource: string;
  grantId: string;
}

export async function issueAccessToken(keys: KeyStore, subject: AccessTokenSubject, ttlSeconds: number, issuedAtMs = Date.now()): Promise<string> {
  const now = Math.floor(issuedAtMs / 1000);
  return keys.sign(
    {
      iss: subject.issuer,
      sub: subject.userId,
      aud: subject.resource,
      client_id: subject.clientId,
      scope: subject.scope.join(' '),
      jti: randomUUID(),
      iat: now,
      exp: now + ttlSeconds,
      // Not registered claims: the grant lets a revocation reach every access token it issued, and the name
      // saves the resource server a lookup.
      grant_id: subject.grantId,
      preferred_username: subject.username,
    },
    ACCESS_TOKEN_TYP,
  );
}
