// Rate limits on expensive or abusable endpoints (rate-limiter-flexible). A refusal is a TooManyRequests error,
// which the app answers with 429 and Retry-After, as JSON for APIs and as a page for pages.
import type { Context, MiddlewareHandler } from 'hono';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

export class TooManyRequests extends Error {
  override readonly name = 'TooManyRequests';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** `points` per `durationSeconds` for each key. */
export class KeyedLimit {
  private readonly limiter: RateLimiterMemory;

  constructor(
    points: number,
    durationSeconds: number,
    private readonly describe: string,
  ) {
    this.limiter = new RateLimiterMemory({ points, duration: durationSeconds });
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
