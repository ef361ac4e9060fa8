// private_key_jwt client authentication (RFC 7523 §2.2, OpenID Connect Core §9): the client signs a short-lived
// JWT with a key it published in its metadata (`jwks`, or `jwks_uri`). Used by metadata-document clients that
// cannot keep a shared secret with every server.
import { createLocalJWKSet, decodeJwt, jwtVerify, type JSONWebKeySet } from 'jose';
import { LRUCache } from 'lru-cache';
import type { RedisConnections } from '../cluster/redis.js';
import type { Client } from '../storage/clients.js';
import { InvalidClient } from '../errors.js';
import { fetchJson, OutboundFetchError } from './outbound-fetch.js';

export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
export const ASSERTION_ALGORITHMS = ['ES256', 'ES384', 'RS256', 'PS256', 'EdDSA'];

const JWKS_TTL_MS = 5 * 60_000;
const MAX_ASSERTION_AGE = '5m';
/** Key sets of clients that authenticate with a jwks_uri: one per client URL, of which there can be many. */
const MAX_KEY_SETS = 1000;
/** Assertion ids a single instance remembers at once (each for at most its lifetime, five minutes). */
const MAX_SPENT_ASSERTIONS = 100_000;

export class ClientAssertions {
  private readonly keySets = new LRUCache<string, ReturnType<typeof createLocalJWKSet>>({ max: MAX_KEY_SETS, ttl: JWKS_TTL_MS });
  /** Assertion ids already used, until they expire: an assertion authenticates one request only. */
  private readonly spent: LRUCache<string, true>;

  constructor(private readonly options: { issuer: string; allowLocal: boolean; redis?: RedisConnections | undefined; spentCapacity?: number }) {
    this.spent = new LRUCache({ max: options.spentCapacity ?? MAX_SPENT_ASSERTIONS });
  }

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

  /**
   * Marks an assertion id used until it expires; false when it already was (on any instance, with Redis). Fails
   * closed: when the store is full of ids still alive, the assertion is refused rather than accepted unrecorded,
   * since an unrecorded id could be replayed.
   */
  private async spend(key: string, until: number): Promise<boolean> {
    if (this.options.redis) {
      const { commands, key: named } = this.options.redis;
      return (await commands.set(named(`jti:${key}`), '1', 'PXAT', until, 'NX')) === 'OK';
    }
    if (this.spent.has(key)) return false;
    if (this.spent.size >= this.spent.max) this.spent.purgeStale();
    if (this.spent.size >= this.spent.max)
      throw new InvalidClient('too many client assertions are in use to check this one for replay: try again in a few minutes');
    this.spent.set(key, true, { ttl: Math.max(1, until - Date.now()) });
    return true;
  }

  private async keysFor(client: Client) {
    const { jwks, jwks_uri: jwksUri } = client.metadata;
    if (jwks) return createLocalJWKSet(jwks as JSONWebKeySet);
    if (!jwksUri) throw new InvalidClient('the client publishes no keys (jwks or jwks_uri)');
    const cached = this.keySets.get(jwksUri);
    if (cached) return cached;
    try {
      const { body } = await fetchJson(jwksUri, { timeoutMs: 5000, maxBytes: 64 * 1024, allowLocal: this.options.allowLocal });
      const keys = createLocalJWKSet(body as JSONWebKeySet);
      this.keySets.set(jwksUri, keys);
      return keys;
    } catch (error) {
      if (error instanceof OutboundFetchError)
        throw new InvalidClient(`the client's jwks_uri could not be used: ${error.publicReason}`, { detail: `${jwksUri}: ${error.message}` });
      if (error instanceof TypeError) throw new InvalidClient(`the client's jwks_uri could not be used: ${error.message}`);
      throw error;
    }
  }
}
