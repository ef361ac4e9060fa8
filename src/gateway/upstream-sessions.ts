// Gatehouse's MCP client sessions with the upstream servers: one per (server, user), or one per server when it is
// shared. A session starts on first use (a process for stdio, a client connection for HTTP), stops after
// SERVER_IDLE_TIMEOUT without calls, and after a crash starts again on the next call, no sooner than its backoff.
// Sessions are never shared between users unless the server is configured `shared`.
import { createHash } from 'node:crypto';
import {
  Client,
  SSEClientTransport,
  StreamableHTTPClientTransport,
  type CreateMessageResult,
  type ElicitResult,
  type Transport,
} from '@modelcontextprotocol/client';
import type { Logger } from '../log.js';
import { VERSION } from '../version.js';
import { answersAfterNotifications } from './answers-after-notifications.js';
import { GatewayError } from './gateway-error.js';
import { NOT_ASKABLE, type Askable, type InputRequest } from './input-requests.js';
import { childEnvironment, ProcessTransport } from './process-transport.js';
import { upstreamFetch } from './upstream-fetch.js';
import type { UpstreamServer } from './servers-file.js';
import type { SessionRegistry } from './session-registry.js';

/** Where and how to reach one upstream for one user, its templates rendered. */
export type Launch =
  | { transport: 'stdio'; command: string; args: string[]; env: Record<string, string>; cwd?: string | undefined }
  | { transport: 'http' | 'sse'; url: string; headers: Record<string, string> };

export interface SessionsDeps {
  logger: Logger;
  /** What every process inherits from Gatehouse's environment (PATH, HOME, LANG, TMPDIR; src/config.ts reads it). */
  inheritedEnvironment: Record<string, string>;
  /** How long a session lives without calls. */
  idleTimeoutMs: number;
  /** Told how many sessions (processes, for stdio) a server runs, whenever that changes (the metrics gauge). */
  onProcesses?: ((server: string, count: number) => void) | undefined;
  /** How long a stopping process gets between SIGTERM and SIGKILL. */
  stopGraceMs?: number | undefined;
  /** Told when an upstream says one of its lists changed, to tell the callers' open subscriptions. */
  onListChanged?: ((server: string, list: ListKind) => void) | undefined;
  /** Told when a session has connected and when it is gone, for other processes to see (`gatehouse servers list`). */
  registry?: SessionRegistry | undefined;
  /** Told when a session is gone, however it ended (its lease is given up). */
  onEnded?: ((server: string, owner: string) => void) | undefined;
  /** Puts an upstream's request (sampling, elicitation) to the caller it is meant for; refuses it when no one can answer. */
  ask?: ((server: string, owner: string, shared: boolean, request: InputRequest) => Promise<unknown>) | undefined;
}

export type ListKind = 'tools' | 'prompts' | 'resources';

/** What runs with a session's client; `holdWhile` counts work that goes on after it returns as in flight. */
export type SessionWork<T> = (client: Client, holdWhile: <R>(pending: Promise<R>) => Promise<R>) => Promise<T>;

/** One running session, as this instance sees it (the registry shares the same across instances). */
export interface SessionStatus {
  server: string;
  /** The user the session serves; `*` for a shared one. */
  owner: string;
  pid: number | undefined;
  startedAt: number;
  lastUsedAt: number;
  inFlight: number;
}

interface Session {
  key: string;
  server: UpstreamServer;
  owner: string;
  fingerprint: string;
  ready: Promise<Client>;
  transport: Transport | undefined;
  startedAt: number;
  lastUsedAt: number;
  inFlight: number;
  /** Set when Gatehouse stops it, so that its close is not taken for a crash. */
  stopping: boolean;
}

interface Crashes {
  count: number;
  lastAt: number;
}

const CLIENT_INFO = { name: 'gatehouse', title: 'Gatehouse', version: VERSION };
const FIRST_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30_000;

export class UpstreamSessions {
  readonly #sessions = new Map<string, Session>();
  readonly #crashes = new Map<string, Crashes>();
  readonly #sweeper: NodeJS.Timeout;
  #closed = false;
  /** Stopping: each session stops once its calls in flight are done, and no call starts. */
  #draining = false;

  constructor(private readonly deps: SessionsDeps) {
    this.#sweeper = setInterval(() => this.#stopIdle(), Math.min(30_000, Math.max(1_000, deps.idleTimeoutMs / 4)));
    this.#sweeper.unref();
  }

  /**
   * Runs `work` with the session for `owner` at `server`, started if need be (within the server's timeout), offering
   * the upstream the input `offer` names (the caller who starts a session can answer it). A launch that differs from
   * the running session's (the user replaced a secret) replaces the session. Work that goes on after `work` has
   * returned (a call waiting for its caller's answer) is counted as in flight through `holdWhile`.
   */
  async use<T>(server: UpstreamServer, owner: string, launch: Launch, work: SessionWork<T>, offer: Askable = NOT_ASKABLE): Promise<T> {
    if (this.#closed || this.#draining) throw new GatewayError('stopping', `${server.name} is not available: Gatehouse is stopping`);
    const key = `${server.name}\0${owner}`;
    const fingerprint = createHash('sha256').update(JSON.stringify(launch)).digest('base64url');
    let session = this.#sessions.get(key);
    if (session && session.fingerprint !== fingerprint) {
      void this.#stop(session);
      session = undefined;
    }
    if (!session) session = this.#start(server, owner, key, fingerprint, launch, offer);
    const started = session;
    const holdWhile = <R>(pending: Promise<R>): Promise<R> => {
      started.inFlight++;
      return pending.finally(() => {
        started.inFlight--;
        started.lastUsedAt = Date.now();
      });
    };
    session.inFlight++;
    session.lastUsedAt = Date.now();
    try {
      const client = await session.ready;
      const result = await work(client, holdWhile);
      this.#crashes.delete(key);
      return result;
    } finally {
      session.inFlight--;
      session.lastUsedAt = Date.now();
      if (this.#draining && session.inFlight === 0) void this.#stop(session);
    }
  }

  /** Whether a session for `owner` at `server` runs (or is starting) here. */
  running(server: string, owner: string): boolean {
    return this.#sessions.has(`${server}\0${owner}`);
  }

  /** Stops the session for `owner` at `server`, calls in flight or not (its lease went to another instance). */
  async stopSession(server: string, owner: string): Promise<void> {
    const session = this.#sessions.get(`${server}\0${owner}`);
    if (session) await this.#stop(session);
  }

  /**
   * Starts stopping (SIGTERM with other instances to take over): sessions without calls in flight stop now, the
   * others as soon as their last call is done, and no new call starts here.
   */
  drain(): void {
    this.#draining = true;
    for (const session of this.#sessions.values()) if (session.inFlight === 0) void this.#stop(session);
  }

  /** The sessions running on this instance. */
  status(): { sessions: SessionStatus[] } {
    const sessions = [...this.#sessions.values()].map((session) => ({
      server: session.server.name,
      owner: session.owner,
      pid: session.transport instanceof ProcessTransport ? session.transport.pid : undefined,
      startedAt: session.startedAt,
      lastUsedAt: session.lastUsedAt,
      inFlight: session.inFlight,
    }));
    return { sessions };
  }

  /** Stops every session: each process gets SIGTERM, then SIGKILL after the grace period. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#sweeper);
    await Promise.all([...this.#sessions.values()].map((session) => this.#stop(session)));
  }

  /** Last resort at process exit: kills every process group at once. */
  killNow(): void {
    for (const session of this.#sessions.values()) if (session.transport instanceof ProcessTransport) session.transport.killNow();
  }

  #start(server: UpstreamServer, owner: string, key: string, fingerprint: string, launch: Launch, offer: Askable): Session {
    if (launch.transport === 'stdio' && server.transport === 'stdio' && this.#processes(server.name) >= server.maxProcesses) {
      throw new GatewayError('too_many_processes', `${server.name} is busy: it already runs ${server.maxProcesses} processes; try again later`);
    }
    const session: Session = {
      key,
      server,
      owner,
      fingerprint,
      ready: Promise.resolve(undefined as unknown as Client),
      transport: undefined,
      startedAt: Date.now(),
      lastUsedAt: Date.now(),
      inFlight: 0,
      stopping: false,
    };
    session.ready = this.#connect(session, launch, offer);
    // A start that fails leaves no session behind: the next call tries again, after the backoff.
    session.ready.catch(() => {
      this.#forget(session);
      this.#gone(session);
    });
    this.#sessions.set(key, session);
    this.#reportProcesses(server.name);
    return session;
  }

  async #connect(session: Session, launch: Launch, offer: Askable): Promise<Client> {
    const { server } = session;
    await this.#backoff(session.key, server.timeoutMs);
    const transport = answersAfterNotifications(this.#transport(session, launch));
    session.transport = transport;
    const client = new Client(CLIENT_INFO, {
      // Whatever the upstream speaks: 2026-07-28 when it answers server/discover, else the 2025 handshake.
      versionNegotiation: { mode: 'auto' },
      // Sampling and elicitation as the caller who starts the session can answer them (src/gateway/input-requests.ts);
      // never roots.
      capabilities: {
        ...(offer.sampling && { sampling: offer.sampling }),
        ...(offer.elicitation && { elicitation: offer.elicitation }),
      },
      // A 2026-07-28 upstream's questions go to the caller as they are; the client never answers them itself.
      inputRequired: { autoFulfill: false },
      // Told when a list changes (on a 2026-07-28 upstream, through the subscription the client opens for it);
      // the callers list again themselves.
      listChanged: Object.fromEntries(
        (['tools', 'prompts', 'resources'] as const).map((list) => [
          list,
          { autoRefresh: false, onChanged: () => this.deps.onListChanged?.(server.name, list) },
        ]),
      ),
    });
    client.onclose = () => this.#ended(session);
    // A 2025-era upstream's questions during a call: put to that call's caller, or refused at once.
    const ask = (request: InputRequest) =>
      this.deps.ask?.(server.name, session.owner, server.isolation === 'shared', request) ?? Promise.reject(new Error('no caller can be asked'));
    if (offer.sampling) client.setRequestHandler('sampling/createMessage', (request) => ask(request) as Promise<CreateMessageResult>);
    if (offer.elicitation) client.setRequestHandler('elicitation/create', (request) => ask(request) as Promise<ElicitResult>);
    // An upstream's log messages name no request here: they go to Gatehouse's log, with the server and the user.
    client.setNotificationHandler('notifications/message', (notification) =>
      this.deps.logger.debug({ server: server.name, user_id: session.owner, upstream_log: notification.params }, 'upstream log message'),
    );
    client.onerror = (error) => this.deps.logger.debug({ err: error, server: server.name }, 'upstream session error');
    const timeout = AbortSignal.timeout(server.timeoutMs);
    try {
      await Promise.race([
        client.connect(transport, { timeout: server.timeoutMs }),
        new Promise((_, reject) => timeout.addEventListener('abort', () => reject(new Error(`no answer within ${server.timeoutMs / 1000} s`)), { once: true })),
      ]);
    } catch (error) {
      session.stopping = true;
      await transport.close().catch(() => undefined);
      const reason = describeStartFailure(error);
      this.#noteCrash(session.key);
      this.deps.logger.warn({ server: server.name, user_id: session.owner, reason }, 'upstream server did not start');
      throw new GatewayError('unavailable', `${server.name} is unavailable: ${reason}`);
    }
    this.deps.logger.info(
      {
        server: server.name,
        user_id: session.owner,
        pid: transport instanceof ProcessTransport ? transport.pid : undefined,
        protocol: client.getNegotiatedProtocolVersion(),
      },
      'upstream session started',
    );
    // A session stopped while it connected is already forgotten: it is not registered after the fact.
    if (this.#sessions.get(session.key) === session)
      this.deps.registry?.started(server.name, session.owner, transport instanceof ProcessTransport ? transport.pid : undefined, session.startedAt);
    return client;
  }

  #transport(session: Session, launch: Launch): Transport {
    const { server, owner } = session;
    if (launch.transport === 'stdio') {
      return new ProcessTransport({
        command: launch.command,
        args: launch.args,
        env: childEnvironment(launch.env, this.deps.inheritedEnvironment),
        ...(launch.cwd !== undefined && { cwd: launch.cwd }),
        ...(this.deps.stopGraceMs !== undefined && { stopGraceMs: this.deps.stopGraceMs }),
        onStderr: (line) => this.deps.logger.info({ server: server.name, user_id: owner, stderr: line }, 'upstream stderr'),
      });
    }
    // No redirects are followed: the upstream is where the file says it is.
    const options = { requestInit: { headers: launch.headers, redirect: 'error' as const }, fetch: upstreamFetch };
    return launch.transport === 'http' ? new StreamableHTTPClientTransport(new URL(launch.url), options) : new SSEClientTransport(new URL(launch.url), options);
  }

  /** A session that closed without Gatehouse asking: its process exited or its connection dropped. */
  #ended(session: Session): void {
    if (this.#sessions.get(session.key) !== session) return;
    this.#forget(session);
    this.#gone(session);
    if (session.stopping) return;
    const exit = session.transport instanceof ProcessTransport ? session.transport.exitInfo : undefined;
    const reason = exit ? `exited (${exit.signal ?? `code ${exit.code}`})` : 'connection closed';
    this.#noteCrash(session.key);
    this.deps.logger.warn({ server: session.server.name, user_id: session.owner, reason }, 'upstream session ended; it starts again on the next call');
  }

  async #stop(session: Session): Promise<void> {
    session.stopping = true;
    this.#forget(session);
    const client = await session.ready.catch(() => undefined);
    await (client ? client.close() : session.transport?.close())?.catch(() => undefined);
    // Only once its process has exited: another instance may start the next one.
    this.#gone(session);
  }

  #forget(session: Session): void {
    if (this.#sessions.get(session.key) !== session) return;
    this.#sessions.delete(session.key);
    this.#reportProcesses(session.server.name);
    this.deps.registry?.stopped(session.server.name, session.owner);
  }

  /** A session whose process has exited (or never started): told, unless another has taken its place meanwhile. */
  #gone(session: Session): void {
    if (!this.#sessions.has(session.key)) this.deps.onEnded?.(session.server.name, session.owner);
  }

  #stopIdle(): void {
    const idleSince = Date.now() - this.deps.idleTimeoutMs;
    for (const session of this.#sessions.values()) {
      if (session.inFlight > 0 || session.lastUsedAt > idleSince) continue;
      this.deps.logger.info({ server: session.server.name, user_id: session.owner }, 'upstream session stopped: idle');
      void this.#stop(session);
    }
  }

  #noteCrash(key: string): void {
    const crashes = this.#crashes.get(key) ?? { count: 0, lastAt: 0 };
    this.#crashes.set(key, { count: crashes.count + 1, lastAt: Date.now() });
  }

  /** After a crash, waits out the rest of the backoff (doubling per crash), within the call's own time. */
  async #backoff(key: string, budgetMs: number): Promise<void> {
    const crashes = this.#crashes.get(key);
    if (!crashes) return;
    const delay = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (crashes.count - 1));
    const wait = crashes.lastAt + delay - Date.now();
    if (wait <= 0) return;
    if (wait > budgetMs) throw new GatewayError('unavailable', 'it keeps failing to start; try again in a moment');
    await new Promise((resolve) => setTimeout(resolve, wait));
  }

  #processes(server: string): number {
    let count = 0;
    for (const session of this.#sessions.values()) if (session.server.name === server) count++;
    return count;
  }

  #reportProcesses(server: string): void {
    this.deps.onProcesses?.(server, this.#processes(server));
  }
}

/** Why an upstream did not start, in words an operator and a user can act on; no stack, no internals. */
function describeStartFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.length > 300 ? `${message.slice(0, 300)}…` : message;
}
