// Idle McpServer instances kept for the caller they were built for. Stateless serving asks for a server per request,
// and building one (every toolset registering every tool, resource and prompt) was most of a tool call's cost.
//
// Only callers seen before get their instance kept: a caller who makes one call and leaves would otherwise push a
// 17 KB instance through the pool and into the old generation, where it lingers as garbage (a doorkeeper, as caches
// such as TinyLFU use against one-hit wonders). A caller's second request builds the instance that is kept.
//
// Reuse is safe under three rules. An instance serves only the caller it was built for, since the toolsets' context
// holds who is calling. It serves one exchange at a time: it leaves the pool when taken and returns only when its
// exchange closes. And it returns only if the exchange ended normally: one the client cut short may still have a
// handler running, which must not outlive its request on an instance someone else is using.
import type { McpServer } from '@modelcontextprotocol/server';

export class ServerPool {
  /** Idle instances per caller; Map order is least recently returned first, so eviction takes the oldest. */
  readonly #idle = new Map<string, McpServer[]>();
  #size = 0;
  /** Callers seen recently, least recent first; a few times the capacity, so that a caller's next request finds it. */
  readonly #seen = new Set<string>();

  /** @param capacity idle instances kept in all; beyond it the least recently used caller's are dropped. */
  constructor(readonly capacity: number) {}

  get size(): number {
    return this.#size;
  }

  /** An idle instance built for `caller`, now lent out; undefined when there is none. */
  take(caller: string): McpServer | undefined {
    const idle = this.#idle.get(caller);
    const server = idle?.pop();
    if (!server) return undefined;
    this.#size--;
    if (idle!.length === 0) this.#idle.delete(caller);
    return server;
  }

  /**
   * Lends `server` to one exchange: it comes back to the pool when the exchange closes, if its caller was seen before
   * and `signal` (the HTTP request's) did not abort first. The SDK chains its own close handling in front of
   * `onclose` and keeps ours.
   */
  lend(caller: string, server: McpServer, signal: AbortSignal | undefined): void {
    const keep = this.#seen.delete(caller);
    this.#remember(caller); // as the most recent
    const protocol = server.server;
    protocol.onclose = () => {
      protocol.onclose = undefined;
      if (keep && !signal?.aborted) this.#giveBack(caller, server);
    };
  }

  #remember(caller: string): void {
    this.#seen.add(caller);
    if (this.#seen.size > this.capacity * 4) this.#seen.delete(this.#seen.values().next().value!);
  }

  #giveBack(caller: string, server: McpServer): void {
    const idle = this.#idle.get(caller) ?? [];
    this.#idle.delete(caller); // re-inserted last: the most recently used caller
    this.#idle.set(caller, idle);
    idle.push(server);
    this.#size++;
    while (this.#size > this.capacity) {
      const [oldest, servers] = this.#idle.entries().next().value!;
      servers.shift();
      this.#size--;
      if (servers.length === 0) this.#idle.delete(oldest);
    }
  }
}
