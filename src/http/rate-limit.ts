// Rate limits on expensive or abusable endpoints (rate-limiter-flexible). A refusal is 429 with Retry-After.
import type { Context, MiddlewareHandler } from 'hono';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

export interface Limit {
  /** What is counted: one bucket per key (an address, a client id, or one shared key for a global limit). */
  key: (c: Context) => string;
  points: number;
  durationSeconds: number;
}

export function rateLimit(limits: Limit[], describe: string): MiddlewareHandler {
  const limiters = limits.map((limit) => ({ limit, limiter: new RateLimiterMemory({ points: limit.points, duration: limit.durationSeconds }) }));
  return async (c, next) => {
    for (const { limit, limiter } of limiters) {
      try {
        await limiter.consume(limit.key(c));
      } catch (error) {
        if (!(error instanceof RateLimiterRes)) throw error;
        const retryAfter = Math.max(1, Math.ceil(error.msBeforeNext / 1000));
        c.header('Retry-After', String(retryAfter));
        return c.json({ error: 'too_many_requests', error_description: `${describe}; try again in ${retryAfter} s` }, 429);
      }
    }
    await next();
  };
}
