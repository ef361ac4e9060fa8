// The gateway: the upstream MCP servers of SERVERS_FILE, each with its sessions, its access rule and its users'
// secrets. Built once by the composition root; the protected resource serves its endpoints, the account page
// collects its secrets.
import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Caller } from '../caller.js';
import type { GatewayConfig } from '../config.js';
import { ConnectionSecrets } from '../identity/connection-secrets.js';
import type { Person } from '../gateway/policy.js';
import type { UpstreamServer } from '../gateway/servers-file.js';
import { StoredSessionRegistry } from '../gateway/session-registry.js';
import { Upstream, type RelayedRequest } from '../gateway/upstream.js';
import { UpstreamSessions, type ListKind } from '../gateway/upstream-sessions.js';
import type { UpstreamAccess } from '../mcp/toolset.js';
import type { Shared } from './shared.js';

export interface GatewayDeps extends Pick<Shared, 'storage' | 'logger' | 'metrics' | 'secret'> {
  config: GatewayConfig;
  vault?: UpstreamAccess | undefined;
}

/** What turns a server of the file into an Upstream: who a user is, their secrets and upstream tokens. */
export interface UpstreamsDeps extends Pick<Shared, 'storage' | 'secret'> {
  config: Pick<GatewayConfig, 'baseUrl'>;
  vault?: UpstreamAccess | undefined;
  sessions: UpstreamSessions;
  onRequest(call: RelayedRequest): void;
}

export interface Gateway {
  upstreams: readonly Upstream[];
  /** Calls `listener` whenever an upstream says one of its lists changed. */
  onListChanged(listener: (server: string, list: ListKind) => void): void;
  sessions: UpstreamSessions;
  secrets: ConnectionSecrets;
  close(): Promise<void>;
}

/** Where users supply the secrets servers need. */
export const CONNECTIONS_PATH = '/account#connections';

/** How long what a user is (email, groups) is trusted before it is read again: a sign-in may change it. */
const PERSON_TTL_MS = 30_000;

export function createGateway(deps: GatewayDeps): Gateway | undefined {
  const { config, storage, logger, metrics } = deps;
  if (config.servers.length === 0) return undefined;
  const listChanged = new Set<(server: string, list: ListKind) => void>();
  // Heartbeats every 30 s and sweeps the rows of instances unseen for 5 minutes.
  const registry = new StoredSessionRegistry({ store: storage.upstreamSessions, logger, instanceId: randomUUID() });
  const sessions = new UpstreamSessions({
    logger,
    inheritedEnvironment: config.inheritedEnvironment,
    onListChanged: (server, list) => {
      for (const listener of listChanged) listener(server, list);
    },
    idleTimeoutMs: config.serverIdleTimeoutMs,
    onProcesses: (server, count) => metrics.upstreamProcesses(server, count),
    registry,
  });
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
  const { upstreams, secrets } = createUpstreams(config.servers, { ...deps, sessions, onRequest });
  const close = async () => {
    await sessions.close();
    await registry.close();
  };
  return { upstreams, onListChanged: (listener) => listChanged.add(listener), sessions, secrets, close };
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
      }),
  );
  return { upstreams, secrets };
}
