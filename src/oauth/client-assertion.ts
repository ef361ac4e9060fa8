// private_key_jwt client authentication (RFC 7523 §2.2, OpenID Connect Core §9): the client signs a short-lived
// JWT with a key it published in its metadata (`jwks`, or `jwks_uri`). Used by metadata-document clients that
// cannot keep a shared secret with every server.
import { createLocalJWKSet, decodeJwt, jwtVerify, type JSONWebKeySet } from 'jose';
import type { RedisConnections } from '../cluster/redis.js';
import type { Client } from '../storage/clients.js';
import { InvalidClient } from './errors.js';
import { fetchJson, OutboundFetchError } from './outbound-fetch.js';

export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
export const ASSERTION_ALGORITHMS = ['ES256', 'ES384', 'RS256', 'PS256', 'EdDSA'];

const JWKS_TTL_MS = 5 * 60_000;
const MAX_ASSERTION_AGE = '5m';

export class ClientAssertions {
  private readonly keySets = new Map<string, { keys: ReturnType<typeof createLocalJWKSet>; until: number }>();
  /** Assertion ids already used, until they expire: an assertion authenticates one request only. */
  private readonly spent = new Map<string, number>();

  constructor(private readonly options: { issuer: string; allowLocal: boolean; redis?: RedisConnections | undefined }) {}

  /** The client_id an assertion claims (its issuer), read before anything is verified. */
  static claimedClientId(assertion: string): string | undefined {
    try {
      const iss = decodeJwt(assertion).iss;
      return typeof iss === 'string' ? iss : undefined;
    } catch {
      return undefined;
    }
  }

  async verify(client: Client, assertion: string): Promise<void> {
    const { issuer } = this.options;
    let payload;
    try {
      ({ payload } = await jwtVerify(assertion, await this.keysFor(client), {
        issuer: client.clientId,
        subject: client.clientId,
        audience: [issuer, `${issuer}/token`, `${issuer}/oauth/token`, `${issuer}/revoke`, `${issuer}/oauth/revoke`],
        algorithms: ASSERTION_ALGORITHMS,
        maxTokenAge: MAX_ASSERTION_AGE,
        requiredClaims: ['exp', 'jti'],
      }));
    } catch (error) {
      if (error instanceof InvalidClient) throw error;
      throw new InvalidClient(`the client assertion is not valid: ${(error as Error).message}`);
    }
    if (!(await this.spend(`${client.clientId}\n${payload.jti}`, payload.exp! * 1000))) throw new InvalidClient('the client assertion was already used');
  }

  /** Marks an assertion id used until it expires; false when it already was (on any instance, with Redis). */
  private async spend(key: string, until: number): Promise<boolean> {
    if (this.options.redis) {
      const { commands, key: named } = this.options.redis;
      return (await commands.set(named(`jti:${key}`), '1', 'PXAT', until, 'NX')) === 'OK';
    }
    const now = Date.now();
    for (const [spentKey, spentUntil] of this.spent) if (spentUntil < now) this.spent.delete(spentKey);
    if (this.spent.has(key)) return false;
    if (this.spent.size < 100_000) this.spent.set(key, until);
    return true;
  }

  private async keysFor(client: Client) {
    const { jwks, jwks_uri: jwksUri } = client.metadata;
    if (jwks) return createLocalJWKSet(jwks as JSONWebKeySet);
    if (!jwksUri) throw new InvalidClient('the client publishes no keys (jwks or jwks_uri)');
    const cached = this.keySets.get(jwksUri);
    if (cached && cached.until > Date.now()) return cached.keys;
    try {
      const { body } = await fetchJson(jwksUri, { timeoutMs: 5000, maxBytes: 64 * 1024, allowLocal: this.options.allowLocal });
      const keys = createLocalJWKSet(body as JSONWebKeySet);
      this.keySets.set(jwksUri, { keys, until: Date.now() + JWKS_TTL_MS });
      return keys;
    } catch (error) {
      if (error instanceof OutboundFetchError) throw new InvalidClient(`the client's jwks_uri could not be used: ${error.publicReason}`, { detail: `${jwksUri}: ${error.message}` });
      if (error instanceof TypeError) throw new InvalidClient(`the client's jwks_uri could not be used: ${error.message}`);
      throw error;
    }
  }
}
