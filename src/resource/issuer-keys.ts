// The signing keys of external authorization servers. Each issuer's JWKS is found through its metadata (OpenID
// discovery, then RFC 8414) unless EXTERNAL_JWKS_URL names it, and served by jose's remote key set: cached, fetched
// again when a token names an unknown kid (a rotation), but at most once every few seconds, so a flood of forged
// kids cannot turn into a flood of fetches.
import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';
import { TemporarilyUnavailable } from '../errors.js';

const TIMEOUT_MS = 5000;
/** After a fetch, no other for this long; also how long a failed discovery is remembered. */
const COOLDOWN_MS = 5000;
/** Keys are fetched again after this long even when every kid is known. */
const MAX_AGE_MS = 10 * 60_000;

export class IssuerKeys {
  private readonly keySets = new Map<string, Promise<JWTVerifyGetKey>>();

  constructor(private readonly configuredJwksUrl?: string | undefined) {}

  /** The key set of `issuer`, discovering where it lives on first use. */
  for(issuer: string): Promise<JWTVerifyGetKey> {
    let keySet = this.keySets.get(issuer);
    if (!keySet) {
      keySet = this.locate(issuer).then((url) =>
        createRemoteJWKSet(url, { timeoutDuration: TIMEOUT_MS, cooldownDuration: COOLDOWN_MS, cacheMaxAge: MAX_AGE_MS }),
      );
      this.keySets.set(issuer, keySet);
      keySet.catch(() => setTimeout(() => this.keySets.delete(issuer), COOLDOWN_MS).unref());
    }
    return keySet;
  }

  private async locate(issuer: string): Promise<URL> {
    if (this.configuredJwksUrl) return new URL(this.configuredJwksUrl);
    const url = new URL(issuer);
    const path = url.pathname.replace(/\/$/, '');
    const candidates = [`${url.origin}${path}/.well-known/openid-configuration`, `${url.origin}/.well-known/oauth-authorization-server${path}`];
    for (const candidate of candidates) {
      const metadata = await fetchMetadata(candidate);
      if (!metadata) continue;
      if (metadata.issuer !== issuer)
        throw new TemporarilyUnavailable(`${candidate} describes issuer ${String(metadata.issuer)}, not ${issuer}`, { reason: 'issuer_unreachable' });
      if (typeof metadata.jwks_uri !== 'string') throw new TemporarilyUnavailable(`${candidate} names no jwks_uri`, { reason: 'issuer_unreachable' });
      return new URL(metadata.jwks_uri);
    }
    throw new TemporarilyUnavailable(`no authorization server metadata found for ${issuer}`, { reason: 'issuer_unreachable' });
  }
}

async function fetchMetadata(url: string): Promise<Record<string, unknown> | undefined> {
  let response: Response;
  try {
    response = await fetch(url, { headers: { accept: 'application/json' }, redirect: 'error', signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (error) {
    throw new TemporarilyUnavailable(`cannot reach ${url}`, { reason: 'issuer_unreachable', detail: String(error) });
  }
  if (response.status === 404) return undefined;
  if (!response.ok) throw new TemporarilyUnavailable(`${url} answered ${response.status}`, { reason: 'issuer_unreachable' });
  return (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined;
}
