// What the parts of the app share (src/parts/), built once by the composition root (src/app.ts).
import type { Context, MiddlewareHandler } from 'hono';
import type { Audit } from '../audit.js';
import type { Clock } from '../clock.js';
import type { LimiterStore } from '../http/rate-limit.js';
import type { KeyStore } from '../keys/key-store.js';
import type { SecretPurpose } from '../keys/secrets.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { Storage } from '../storage/index.js';

export interface Shared {
  storage: Storage;
  keys: KeyStore;
  logger: Logger;
  /** The time expiry is decided by. */
  now: Clock;
  metrics: Metrics;
  audit: Audit;
  /** The key for one purpose, derived from JWT_SECRET (src/keys/secrets.ts). */
  secret(purpose: SecretPurpose): Buffer;
  /** Where rate-limit counters live: Redis when several instances share them, else memory. */
  limiters: LimiterStore;
  /** The client's address, behind as many proxies as TRUST_PROXY says. */
  sourceIp(c: Context): string;
  /** CORS for browsers calling an API (Claude's web app); server-to-server calls skip it. */
  browserApi: MiddlewareHandler;
}

export const DISCOVERY_CACHE = 'public, max-age=3600';

/** A discovery document: public, cached for an hour. */
export const discovery = (document: object) => (c: Context) => {
  c.header('Cache-Control', DISCOVERY_CACHE);
  return c.json(document);
};
