// Brute-force protection for sign-in. Failures are counted per username and per address; past a threshold each
// further failure locks that key for twice as long as the last (1 min, 2 min, 4 min… up to an hour). A locked
// attempt is refused before any password is checked, so it costs neither CPU nor a guess.
import { createLimiter, type LimiterStore } from '../http/rate-limit.js';

const WINDOW_SECONDS = 3600;
const MAX_LOCK_SECONDS = 3600;

export interface LoginThrottleOptions {
  /** Failures for one username before it locks (a person mistypes a few times). */
  perUsername: number;
  /** Failures from one address before it locks (many people may share one, e.g. an office). */
  perIp: number;
}

export class LoginThrottle {
  private readonly failures;
  private readonly locks;

  constructor(
    store: LimiterStore = {},
    private readonly options: LoginThrottleOptions = { perUsername: 5, perIp: 30 },
  ) {
    this.failures = createLimiter(store, Number.MAX_SAFE_INTEGER, WINDOW_SECONDS, 'login-failures');
    this.locks = createLimiter(store, 1, 1, 'login-locks');
  }

  private keys(username: string, ip: string): [string, number][] {
    return [
      [`user:${username.toLowerCase()}`, this.options.perUsername],
      [`ip:${ip}`, this.options.perIp],
    ];
  }

  /** Seconds until the next attempt may be made, or 0 when it may be made now. */
  async retryAfter(username: string, ip: string): Promise<number> {
    let wait = 0;
    for (const [key] of this.keys(username, ip)) {
      const lock = await this.locks.get(key);
      if (lock && lock.consumedPoints > 1) wait = Math.max(wait, Math.ceil(lock.msBeforeNext / 1000));
    }
    return wait;
  }

  /** Counts a failed attempt; returns the lock it caused, in seconds (0 when none). */
  async failed(username: string, ip: string): Promise<number> {
    let locked = 0;
    for (const [key, threshold] of this.keys(username, ip)) {
      const { consumedPoints } = await this.failures.consume(key);
      if (consumedPoints < threshold) continue;
      const seconds = Math.min(60 * 2 ** (consumedPoints - threshold), MAX_LOCK_SECONDS);
      await this.locks.block(key, seconds);
      locked = Math.max(locked, seconds);
    }
    return locked;
  }

  /** A successful sign-in clears the username's count (not the address's: it may be shared with an attacker). */
  async succeeded(username: string): Promise<void> {
    await this.failures.delete(`user:${username.toLowerCase()}`);
  }
}
