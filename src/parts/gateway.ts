// The gateway: the upstream MCP servers of SERVERS_FILE, each with its sessions, its access rule and its users'
// secrets. Built once by the composition root; the protected resource serves its endpoints, the account page
// collects its secrets.
import { LRUCache } from 'lru-cache';
import type { Caller } from '../caller.js';
import type { GatewayConfig } from '../config.js';
import { ConnectionSecrets } from '../identity/connection-secrets.js';
import type { Person } from '../gateway/policy.js';
import { Upstream, type RelayedRequest } from '../gateway/upstream.js';
import { UpstreamSessions, type ListKind } from '../gateway/upstream-sessions.js';
import type { UpstreamAccess } from '../mcp/toolset.js';
import type { Shared } from './shared.js';

export interface GatewayDeps extends Pick<Shared, 'storage' | 'logger' | 'metrics' | 'secret'> {
  config: GatewayConfig;
  vault?: UpstreamAccess | undefined;
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
  const sessions = new UpstreamSessions({
    logger,
    onListChanged: (server, list) => {
      for (const listener of listChanged) listener(server, list);
    },
    idleTimeoutMs: config.serverIdleTimeoutMs,
    onProcesses: (server, count) => metrics.upstreamProcesses(server, count),
  });
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
  const upstreams = config.servers.map(
    (server) =>
      new Upstream(server, {
        sessions,
        person,
        secrets: (userId, name) => secrets.values(userId, name),
        upstreamToken: async (provider, userId) => deps.vault?.accessToken(provider, userId),
        connectionsUrl: config.baseUrl + CONNECTIONS_PATH,
        onRequest,
      }),
  );
  return { upstreams, onListChanged: (listener) => listChanged.add(listener), sessions, secrets, close: () => sessions.close() };
}
