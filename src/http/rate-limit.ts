// Rate limits on expensive or abusable endpoints (rate-limiter-flexible): in memory on one instance, in Redis when
// several share the load (with memory as the fallback while Redis is away). A refusal is a TooManyRequests error:
// 429 with Retry-After, as JSON for APIs; pages render it themselves.
import type { Context, MiddlewareHandler } from 'hono';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { TooManyRequests } from '../errors.js';

/** Where counters live: this process, or the shared Redis. */
export interface LimiterStore {
  redis?: Redis | undefined;
  /** Key prefix in Redis (REDIS_PREFIX). */
  prefix?: string | undefined;
}

let prefixes = 0;

/** A limiter of `points` per `durationSeconds` per key, shared through Redis when the store has it. */
export function createLimiter(store: LimiterStore, points: number, durationSeconds: number, name = `limit${prefixes++}`): RateLimiterAbstract {
  const options = { points, duration: durationSeconds, keyPrefix: `${store.prefix ?? 'gatehouse:'}${name}` };
  if (!store.redis) return new RateLimiterMemory(options);
  return new RateLimiterRedis({ ...options, storeClient: store.redis, insuranceLimiter: new RateLimiterMemory(options) });
}

/** `points` per `durationSeconds` for each key. */
export class KeyedLimit {
  private readonly limiter: RateLimiterAbstract;

  constructor(
    points: number,
    durationSeconds: number,
    private readonly describe: string,
    store: LimiterStore = {},
    name?: string,
  ) {
    this.limiter = createLimiter(store, points, durationSeconds, name);
  }

  async consume(key: string): Promise<void> {
    try {
      await this.limiter.consume(key);
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      const retryAfter = Math.max(1, Math.ceil(error.msBeforeNext / 1000));
      throw new TooManyRequests(`${this.describe}; try again in ${retryAfter} s`, retryAfter);
    }
  }
}

/** A middleware counting each request against every limit, each under its own key. */
export function limitRequests(limits: { limit: KeyedLimit; key: (c: Context) => string }[]): MiddlewareHandler {
  return async (c, next) => {
    for (const { limit, key } of limits) await limit.consume(key(c));
    await next();
  };
}
