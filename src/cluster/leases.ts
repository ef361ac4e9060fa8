// Leases in Redis: a name held by one instance at a time, for as long as it keeps renewing it. The gateway leases
// each (server, user) whose process an instance runs, so that every instance sends that user's calls to one home.
// A lease the holder stops renewing (it crashed, or lost Redis) expires after `ttlMs`; a holder that cannot renew
// for that long gives its leases up itself (`onLost`) rather than keep running beside a new holder.
import type { RedisConnections } from './redis.js';

/** An instance, as the others reach it. */
export interface Holder {
  instanceId: string;
  /** INTERNAL_URL: where the others forward calls to it. */
  url: string;
}

export type Claim = { mine: true } | { mine: false; holder: Holder };

export interface LeasesOptions {
  /** How long a lease outlives its holder's last renewal. */
  ttlMs: number;
  /** Told of a lease this instance no longer holds (taken by another, or not renewed in time): stop its work. */
  onLost(name: string): void;
  onError(error: unknown): void;
}

/** Takes the lease when it is free, renews it when it is ours, and answers its value: the holder. */
const CLAIM = `local v = redis.call('get', KEYS[1])
if not v then redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2]) return ARGV[1] end
if v == ARGV[1] then redis.call('pexpire', KEYS[1], ARGV[2]) end
return v`;

/** Renews each key still ours; answers 1 or 0 per key. */
const RENEW = `local held = {}
for i, key in ipairs(KEYS) do
  if redis.call('get', key) == ARGV[1] then redis.call('pexpire', key, ARGV[2]) held[i] = 1 else held[i] = 0 end
end
return held`;

/** How long a holder read from Redis is trusted: a stale one costs a refused forward and a second claim. */
const HOLDER_CACHE_MS = 1_000;

const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0";

export class RedisLeases {
  readonly #value: string;
  /** The leases held, by name, with when each was last confirmed in Redis. */
  readonly #held = new Map<string, number>();
  /** Who holds the leases others hold, as last read, for a moment: a forwarded call need not ask Redis first. */
  readonly #holders = new Map<string, { holder: Holder; readAt: number }>();
  readonly #timer: NodeJS.Timeout;
  #renewing = false;

  constructor(
    private readonly redis: RedisConnections,
    readonly self: Holder,
    private readonly options: LeasesOptions,
  ) {
    this.#value = `${self.instanceId} ${self.url}`;
    this.#timer = setInterval(() => void this.#renew(), Math.max(100, Math.floor(options.ttlMs / 3)));
    this.#timer.unref();
  }

  /**
   * Takes `name` if no one holds it, or says who does. A lease held and renewed within the last half of its time is
   * answered without asking Redis (renewals come every third): the calls of the user whose process runs here cost
   * nothing more.
   */
  async claim(name: string): Promise<Claim> {
    const at = Date.now();
    const confirmedAt = this.#held.get(name);
    if (confirmedAt !== undefined && at - confirmedAt < this.options.ttlMs / 2) return { mine: true };
    const known = this.#holders.get(name);
    if (known && at - known.readAt < HOLDER_CACHE_MS) return { mine: false, holder: known.holder };
    let value: string;
    try {
      value = (await this.redis.commands.eval(CLAIM, 1, this.#key(name), this.#value, this.options.ttlMs)) as string;
    } catch (error) {
      // Redis away for a moment: a lease confirmed within its time is still ours, and no one else's yet.
      if (this.holds(name)) return { mine: true };
      throw error;
    }
    if (value === this.#value) {
      this.#held.set(name, at);
      this.#holders.delete(name);
      return { mine: true };
    }
    this.#held.delete(name);
    const holder = parseHolder(value);
    this.#remember(name, holder, at);
    return { mine: false, holder };
  }

  /** Who holds `name`, without taking it when it is free. */
  async holder(name: string): Promise<Holder | undefined> {
    if (this.holds(name)) return this.self;
    const value = await this.redis.commands.get(this.#key(name));
    return value === null ? undefined : parseHolder(value);
  }

  /** Forgets who was read to hold `name` (they did not answer): the next claim asks Redis. */
  forgetHolder(name: string): void {
    this.#holders.delete(name);
  }

  /** Whether this instance holds `name` now, by what it last confirmed (forwarded calls are served only then). */
  holds(name: string): boolean {
    const confirmedAt = this.#held.get(name);
    return confirmedAt !== undefined && Date.now() - confirmedAt < this.options.ttlMs;
  }

  /** Gives `name` up: no longer held here from this moment, and free in Redis once the delete lands. */
  async release(name: string): Promise<void> {
    if (!this.#held.delete(name)) return;
    await this.redis.commands.eval(RELEASE, 1, this.#key(name), this.#value).catch(this.options.onError);
  }

  /** Stops renewing and gives up every lease. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await Promise.all([...this.#held.keys()].map((name) => this.release(name)));
  }

  async #renew(): Promise<void> {
    if (this.#renewing || this.#held.size === 0) return;
    this.#renewing = true;
    const names = [...this.#held.keys()];
    const at = Date.now();
    try {
      const held = (await this.redis.commands.eval(RENEW, names.length, ...names.map((name) => this.#key(name)), this.#value, this.options.ttlMs)) as number[];
      names.forEach((name, i) => {
        if (!this.#held.has(name)) return; // released meanwhile
        if (held[i] === 1) this.#held.set(name, at);
        else this.#lose(name);
      });
    } catch (error) {
      this.options.onError(error);
      // Not renewed for a whole lease: another instance may hold it by now.
      for (const name of names) if (!this.holds(name)) this.#lose(name);
    } finally {
      this.#renewing = false;
    }
  }

  #remember(name: string, holder: Holder, readAt: number): void {
    // Bounded: a read is worth a second, so an entry older than that is only dropped sooner.
    if (this.#holders.size >= 10_000) this.#holders.clear();
    this.#holders.set(name, { holder, readAt });
  }

  #lose(name: string): void {
    if (!this.#held.delete(name)) return;
    this.options.onLost(name);
  }

  #key(name: string): string {
    return this.redis.key(`lease:${name}`);
  }
}

function parseHolder(value: string): Holder {
  const space = value.indexOf(' ');
  return { instanceId: value.slice(0, space), url: value.slice(space + 1) };
}
