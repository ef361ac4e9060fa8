// Where an instance tells the others (and `gatehouse servers list`) which upstream sessions it runs: rows in the
// database, refreshed by a heartbeat. Telling is best effort: a database that refuses a write is logged, and never
// fails or slows a call.
import { hostname } from 'node:os';
import type { Logger } from '../log.js';
import type { UpstreamSessionsRepository } from '../storage/upstream-sessions.js';

/** Told by UpstreamSessions when a session has connected and when it is gone. Never throws, never waits. */
export interface SessionRegistry {
  started(server: string, owner: string, pid: number | undefined, startedAt: number): void;
  /** Also told of a session whose start failed, which was never `started`. */
  stopped(server: string, owner: string): void;
}

export const HEARTBEAT_MS = 30_000;
/** A row its instance has not refreshed for this long belongs to an instance that died: it is swept. */
export const STALE_AFTER_MS = 5 * 60_000;
/** Sessions seen within this long are shown as running: a few heartbeats may be late without hiding them. */
export const LIVE_WITHIN_MS = 3 * HEARTBEAT_MS;

export type RegistryStore = Pick<UpstreamSessionsRepository, 'started' | 'stopped' | 'heartbeat' | 'forget' | 'sweep'>;

export interface StoredSessionRegistryOptions {
  store: RegistryStore;
  logger: Logger;
  instanceId: string;
  /** hostname:pid unless given. */
  instanceLabel?: string;
  heartbeatMs?: number;
  staleAfterMs?: number;
}

interface Live {
  server: string;
  owner: string;
  pid: number | null;
  startedAt: number;
}

export class StoredSessionRegistry implements SessionRegistry {
  readonly instanceId: string;
  readonly instanceLabel: string;
  readonly #store: RegistryStore;
  readonly #logger: Logger;
  readonly #staleAfterMs: number;
  readonly #live = new Map<string, Live>();
  readonly #timer: NodeJS.Timeout;
  /** Writes run one after another, so that a session's `stopped` never lands before its `started`. */
  #queue: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(options: StoredSessionRegistryOptions) {
    this.instanceId = options.instanceId;
    this.instanceLabel = options.instanceLabel ?? `${hostname()}:${process.pid}`;
    this.#store = options.store;
    this.#logger = options.logger;
    this.#staleAfterMs = options.staleAfterMs ?? STALE_AFTER_MS;
    this.#enqueue('sweep', () => this.#sweep());
    this.#timer = setInterval(() => this.#enqueue('heartbeat', () => this.#heartbeat()), options.heartbeatMs ?? HEARTBEAT_MS);
    this.#timer.unref();
  }

  started(server: string, owner: string, pid: number | undefined, startedAt: number): void {
    if (this.#closed) return;
    const live: Live = { server, owner, pid: pid ?? null, startedAt };
    this.#live.set(keyOf(server, owner), live);
    this.#enqueue('started', () => this.#store.started(this.#row(live, Date.now())));
  }

  stopped(server: string, owner: string): void {
    if (this.#closed || !this.#live.delete(keyOf(server, owner))) return;
    this.#enqueue('stopped', () => this.#store.stopped(this.instanceId, server, owner));
  }

  /** Stops the heartbeat and removes this instance's rows, after the writes already asked for. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    this.#live.clear();
    this.#enqueue('forget', () => this.#store.forget(this.instanceId));
    await this.#queue;
  }

  async #heartbeat(): Promise<void> {
    const now = Date.now();
    const touched = await this.#store.heartbeat(this.instanceId, now);
    // Fewer rows than sessions: another instance swept ours while the database was out of reach; write them again.
    if (touched < this.#live.size) for (const live of this.#live.values()) await this.#store.started(this.#row(live, now));
    await this.#sweep();
  }

  async #sweep(): Promise<void> {
    const swept = await this.#store.sweep(Date.now() - this.#staleAfterMs);
    if (swept > 0) this.#logger.info({ swept }, 'upstream sessions of stopped instances removed from the registry');
  }

  #row(live: Live, seenAt: number) {
    return { instanceId: this.instanceId, instanceLabel: this.instanceLabel, ...live, seenAt };
  }

  #enqueue(what: string, write: () => Promise<unknown>): void {
    this.#queue = this.#queue.then(write).then(
      () => undefined,
      (error: unknown) => this.#logger.warn({ err: error, instance: this.instanceLabel }, `upstream session registry: ${what} not recorded`),
    );
  }
}

const keyOf = (server: string, owner: string) => `${server}\0${owner}`;
