// Where a user's upstream process runs when several instances serve the same users (REDIS_URL): on exactly one of
// them, its home, which holds the (server, user) lease. A call that lands elsewhere is forwarded there. A home that
// does not answer keeps its lease until it expires, and the next call then takes the lease and starts the process
// where it landed (a takeover); a call that was delivered is never sent twice.
import type { Claim, Holder, RedisLeases } from '../cluster/leases.js';
import { GatewayError } from './gateway-error.js';
import { NotDelivered } from './forwarding.js';

export interface PlacementDeps {
  leases: RedisLeases;
  /** Whether this instance still runs a session for `owner` at `server` (its lease is kept only while one does). */
  running(server: string, owner: string): boolean;
  /** Told when this instance took a session over from a home that stopped answering or moved it. */
  onTakeover(server: string): void;
  /** How long a lease outlives its holder: the longest a takeover waits. */
  leaseTtlMs: number;
}

/** How often a call waiting out an unreachable home's lease asks again. */
const RETRY_MS = 200;

export class Placement {
  #draining = false;

  constructor(private readonly deps: PlacementDeps) {}

  /**
   * Runs a call for `owner` at `server`: `here` when this instance is (or becomes) the session's home, `there` at the
   * home otherwise. Waits out an unreachable home's lease within `budgetMs`.
   */
  async route<T>(server: string, owner: string, budgetMs: number, here: () => Promise<T>, there: (home: Holder) => Promise<T>): Promise<T> {
    const name = leaseName(server, owner);
    const deadline = Date.now() + Math.min(budgetMs, this.deps.leaseTtlMs * 2 + 2_000);
    let unreachable: NotDelivered | undefined;
    for (;;) {
      const claim = await this.#claim(server, name);
      if (claim.mine) {
        if (unreachable) this.deps.onTakeover(server);
        try {
          return await here();
        } finally {
          // A call that started no session (a secret missing, a failed start) keeps no lease.
          if (!this.deps.running(server, owner)) void this.deps.leases.release(name);
        }
      }
      try {
        return await there(claim.holder);
      } catch (error) {
        if (!(error instanceof NotDelivered)) throw error;
        unreachable = error;
        this.deps.leases.forgetHolder(name);
        if (Date.now() + RETRY_MS > deadline)
          throw new GatewayError(
            'unavailable',
            `${server} runs on another Gatehouse instance, which cannot take the call now (${error.message}); try again in a few seconds`,
          );
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      }
    }
  }

  /** Whether forwarded calls for `owner` at `server` are served here. */
  isHome(server: string, owner: string): boolean {
    return !this.#draining && this.deps.leases.holds(leaseName(server, owner));
  }

  /** A session ended here: its lease goes, and the next call may start it anywhere. */
  sessionEnded(server: string, owner: string): void {
    void this.deps.leases.release(leaseName(server, owner));
  }

  /** Stopping: no session is claimed or served here any more; calls go to whichever instance takes them. */
  drain(): void {
    this.#draining = true;
  }

  async #claim(server: string, name: string): Promise<Claim> {
    try {
      if (!this.#draining) return await this.deps.leases.claim(name);
      const holder = await this.deps.leases.holder(name);
      if (holder && holder.instanceId !== this.deps.leases.self.instanceId) return { mine: false, holder };
    } catch {
      throw new GatewayError(
        'unavailable',
        `${server} cannot be reached: the Gatehouse instances cannot agree where your session runs (Redis does not answer)`,
      );
    }
    throw new GatewayError('stopping', `${server} is moving to another Gatehouse instance; try again in a moment`);
  }
}

/** The lease a user's session at a server runs under (one per server for shared ones: owner `*`). */
export function leaseName(server: string, owner: string): string {
  return `gateway:${server}:${owner}`;
}

/** The server and owner a lease name stands for. */
export function parseLeaseName(name: string): { server: string; owner: string } | undefined {
  const match = /^gateway:([^:]+):(.+)$/.exec(name);
  return match ? { server: match[1]!, owner: match[2]! } : undefined;
}
