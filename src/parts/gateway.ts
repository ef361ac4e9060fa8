// The gateway: the upstream MCP servers of SERVERS_FILE, each with its sessions, its access rule and its users'
// secrets. Built once by the composition root; the protected resource serves its endpoints, the account page
// collects its secrets.
import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Caller } from '../caller.js';
import { resolveInternalUrl } from '../cluster/internal-url.js';
import { RedisLeases, type Holder } from '../cluster/leases.js';
import type { RedisConnections } from '../cluster/redis.js';
import { ConfigError, type GatewayConfig } from '../config.js';
import { ForwardProof } from '../gateway/forward-proof.js';
import { Forwarder, forwardRoute, NotDelivered } from '../gateway/forwarding.js';
import { ConnectionSecrets } from '../identity/connection-secrets.js';
import { HeldCalls } from '../gateway/input-requests.js';
import { Placement, parseLeaseName } from '../gateway/placement.js';
import type { Person } from '../gateway/policy.js';
import type { UpstreamServer } from '../gateway/servers-file.js';
import { StoredSessionRegistry } from '../gateway/session-registry.js';
import { Upstream, type Homes, type RelayedRequest } from '../gateway/upstream.js';
import { UpstreamSessions, type ListKind } from '../gateway/upstream-sessions.js';
import type { NodeRoute, NodeRouteDeps } from '../http/node-route.js';
import type { UpstreamAccess } from '../mcp/toolset.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { Shared } from './shared.js';

export interface GatewayDeps extends Pick<Shared, 'storage' | 'logger' | 'metrics' | 'secret'> {
  config: GatewayConfig;
  vault?: UpstreamAccess | undefined;
  /** Shared by instances behind one balancer: each user's stdio process then runs on one of them. */
  redis?: RedisConnections | undefined;
}

/** What turns a server of the file into an Upstream: who a user is, their secrets and upstream tokens. */
export interface UpstreamsDeps extends Pick<Shared, 'storage' | 'secret'> {
  config: Pick<GatewayConfig, 'baseUrl'>;
  vault?: UpstreamAccess | undefined;
  sessions: UpstreamSessions;
  held: HeldCalls;
  onRequest(call: RelayedRequest): void;
  homes?: Homes | undefined;
}

export interface Gateway {
  upstreams: readonly Upstream[];
  /** Calls `listener` whenever an upstream says one of its lists changed. */
  onListChanged(listener: (server: string, list: ListKind) => void): void;
  sessions: UpstreamSessions;
  secrets: ConnectionSecrets;
  /** The internal route other instances forward calls to (FORWARD_PATH), when instances share Redis. */
  forwardRoute: ((route: NodeRouteDeps) => NodeRoute) | undefined;
  /** At SIGTERM: sessions move to other instances as their calls in flight end. */
  drain(): void;
  close(): Promise<void>;
}

/** Where users supply the secrets servers need. */
export const CONNECTIONS_PATH = '/account#connections';

/** How long what a user is (email, groups) is trusted before it is read again: a sign-in may change it. */
const PERSON_TTL_MS = 30_000;

/** How long a session's lease outlives an instance that stopped renewing it (a crash): the longest a takeover waits. */
const LEASE_TTL_MS = 5_000;

export function createGateway(deps: GatewayDeps): Gateway | undefined {
  const { config, storage, logger, metrics } = deps;
  if (config.servers.length === 0) return undefined;
  const self = homeOf(deps);
  const listChanged = new Set<(server: string, list: ListKind) => void>();
  // Heartbeats every 30 s and sweeps the rows of instances unseen for 5 minutes.
  const registry = new StoredSessionRegistry({
    store: storage.upstreamSessions,
    logger,
    instanceId: self?.instanceId ?? randomUUID(),
    ...(self && { instanceLabel: self.url }),
  });
  // The sessions tell the placement when one ends (its lease goes), and the placement asks them what runs here.
  let placement: Placement | undefined;
  const held = new HeldCalls();
  const sessions: UpstreamSessions = new UpstreamSessions({
    logger,
    inheritedEnvironment: config.inheritedEnvironment,
    onListChanged: (server, list) => {
      for (const listener of listChanged) listener(server, list);
    },
    idleTimeoutMs: config.serverIdleTimeoutMs,
    onProcesses: (server, count) => metrics.upstreamProcesses(server, count),
    registry,
    onEnded: (server, owner) => placement?.sessionEnded(server, owner),
    ask: (server, owner, shared, request) => held.ask(server, owner, shared, request),
  });
  const cluster = self && deps.redis ? sharedHomes(deps.redis, self, sessions, { ...deps, leaseTtlMs: LEASE_TTL_MS }) : undefined;
  placement = cluster?.placement;
  const onRequest = (call: RelayedRequest) => {
    metrics.upstreamRequest(call.server, call.method, call.outcome, call.seconds);
    // Calls change things upstream: each is audited. Listings are not (Claude lists on every connection).
    if (call.method.endsWith('/list')) return;
    const detail = {
      server: call.server,
      method: call.method,
      target: call.target,
      outcome: call.outcome,
      reason: call.reason,
      ms: Math.round(call.seconds * 1000),
    };
    storage.audit
      .record({ type: 'upstream.call', userId: call.caller.user.id, clientId: call.caller.clientId, detail })
      .catch((error: unknown) => logger.warn({ err: error }, 'audit event not recorded'));
  };
  const { upstreams, secrets } = createUpstreams(config.servers, { ...deps, sessions, held, onRequest, homes: cluster?.homes });
  const forward =
    cluster &&
    ((route: NodeRouteDeps) =>
      forwardRoute({
        ...route,
        self: cluster.self,
        proof: cluster.proof,
        upstreams: new Map(upstreams.map((upstream) => [upstream.name, upstream])),
        isHome: (server, owner) => cluster.placement.isHome(server, owner),
        maxBodyBytes: FORWARD_BODY_LIMIT,
        logger,
        onRefused: (reason) => metrics.refused(`forward_${reason}`),
      }));
  const close = async () => {
    held.close();
    await sessions.close();
    await cluster?.close();
    await registry.close();
  };
  const drain = () => {
    // Alone, an instance has no one to hand its sessions to: they run until the requests in flight are done.
    if (!cluster) return;
    cluster.placement.drain();
    sessions.drain();
  };
  return { upstreams, onListChanged: (listener) => listChanged.add(listener), sessions, secrets, forwardRoute: forward, drain, close };
}

/** The largest forwarded call read: the MCP request it comes from is bounded by the same. */
const FORWARD_BODY_LIMIT = 4 * 1024 * 1024;

/**
 * This instance as the others reach it, when it shares its users with them (REDIS_URL) and runs stdio servers.
 * Refuses to start without INTERNAL_URL: each instance would start its own copy of a user's process, and a
 * stateful server would show the user different state on every call.
 */
function homeOf(deps: GatewayDeps): Holder | undefined {
  const { config, redis } = deps;
  if (!redis || !config.servers.some((server) => server.transport === 'stdio')) return undefined;
  if (!config.internalUrl)
    throw new ConfigError(
      'INTERNAL_URL is required when REDIS_URL is set and SERVERS_FILE runs stdio servers: several instances would each start their own copy of a ' +
        "user's process. Set it to this instance's address as the other instances reach it, e.g. INTERNAL_URL=http://{ip}:3000 " +
        '(or run one instance without REDIS_URL)',
    );
  try {
    return { instanceId: redis.instanceId, url: resolveInternalUrl(config.internalUrl) };
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
}

interface SharedHomesDeps {
  logger: Logger;
  metrics: Metrics;
  secret: Shared['secret'];
  leaseTtlMs: number;
}

/** Each stdio session on one instance, its home, which holds its lease; the other instances forward to it. */
function sharedHomes(redis: RedisConnections, self: Holder, sessions: UpstreamSessions, deps: SharedHomesDeps) {
  const { logger, metrics } = deps;
  const leases = new RedisLeases(redis, self, {
    ttlMs: deps.leaseTtlMs,
    onLost: (name) => {
      const lease = parseLeaseName(name);
      if (!lease) return;
      logger.warn({ server: lease.server, user_id: lease.owner }, 'upstream session lease lost (Redis unreachable or taken over); its process stops here');
      void sessions.stopSession(lease.server, lease.owner);
    },
    onError: (error) => logger.warn({ err: error }, 'upstream session leases: Redis did not answer'),
  });
  const placement = new Placement({
    leases,
    running: (server, owner) => sessions.running(server, owner),
    onTakeover: (server) => {
      metrics.leaseTakeover(server);
      logger.info({ server }, 'upstream session taken over from an instance that stopped answering');
    },
    leaseTtlMs: deps.leaseTtlMs,
  });
  const proof = new ForwardProof(deps.secret('gateway-forward'));
  const forwarder = new Forwarder(proof);
  const homes: Homes = {
    run: (server, owner, call, relay, here) =>
      placement.route(server.name, owner, server.timeoutMs, here, async (home) => {
        const started = performance.now();
        const seconds = () => (performance.now() - started) / 1000;
        try {
          // The home bounds its own start and call by the server's timeout; this one only ends a forward it lost.
          const result = await forwarder.call(home, call, relay, 2 * server.timeoutMs + 1_000);
          metrics.forwarded(server.name, 'ok', seconds());
          return result;
        } catch (error) {
          metrics.forwarded(server.name, error instanceof NotDelivered ? 'unreachable' : 'error', seconds());
          throw error;
        }
      }),
  };
  return {
    self,
    proof,
    placement,
    homes,
    close: async () => {
      forwarder.close();
      await leases.close();
    },
  };
}

/** One Upstream per server over `sessions`: the gateway's, and those `gatehouse servers test` starts on its own. */
export function createUpstreams(servers: readonly UpstreamServer[], deps: UpstreamsDeps): { upstreams: Upstream[]; secrets: ConnectionSecrets } {
  const { storage } = deps;
  const secrets = new ConnectionSecrets(storage.upstreamSecrets, deps.secret('upstream-secrets'));
  const people = new LRUCache<string, Person>({ max: 10_000, ttl: PERSON_TTL_MS });
  const person = async (caller: Caller): Promise<Person> => {
    let found = people.get(caller.user.id);
    if (!found) {
      const profile = await storage.identities.profile(caller.user.id);
      found = { username: caller.user.username, email: profile.email, groups: profile.groups };
      people.set(caller.user.id, found);
    }
    return found;
  };
  const upstreams = servers.map(
    (server) =>
      new Upstream(server, {
        sessions: deps.sessions,
        person,
        secrets: (userId, name) => secrets.values(userId, name),
        upstreamToken: async (provider, userId) => deps.vault?.accessToken(provider, userId),
        connectionsUrl: deps.config.baseUrl + CONNECTIONS_PATH,
        onRequest: deps.onRequest,
        held: deps.held,
        homes: deps.homes,
      }),
  );
  return { upstreams, secrets };
}
