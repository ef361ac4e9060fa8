// The protected resource: the guarded MCP endpoints and their RFC 9728 metadata, naming Gatehouse as the
// authorization server, or the external one (AUTH_MODE=external). `/mcp` (and its aliases) serves the built-in
// toolset, with the gateway's upstream servers when there are any; each upstream has its own endpoint at
// `/mcp/<name>`. The MCP door serves the same endpoints on Node's own request and response (src/resource/mcp-door.ts).
import type { McpServerFactory, ServerEventBus, ServerNotifier } from '@modelcontextprotocol/server';
import type { Hono } from 'hono';
import type { AppEnv } from '../app-env.js';
import type { ProtectedResourceConfig } from '../config.js';
import type { NodeRouteDeps } from '../http/node-route.js';
import { callerFromAuthInfo } from '../caller.js';
import { BuiltInBackend } from '../gateway/built-in-backend.js';
import { relayServerFactory } from '../gateway/relay-server.js';
import type { ListKind } from '../gateway/upstream-sessions.js';
import type { Upstream } from '../gateway/upstream.js';
import { jsonAnswer } from '../http/answer.js';
import type { McpServe } from '../mcp-call.js';
import { createMcpEndpoint, type EndpointParts } from '../mcp/endpoint.js';
import { createServerFactory } from '../mcp/server-factory.js';
import type { Toolset, UpstreamAccess } from '../mcp/toolset.js';
import { gatewayPath, MCP_PATHS, mcpResource } from '../protected-resources.js';
import { AccessTokenVerifier } from '../resource/access-token-verifier.js';
import { ExternalTokenVerifier } from '../resource/external-token-verifier.js';
import { guardMcpEndpoint, mcpGate, type McpGate } from '../resource/guard.js';
import { mcpDoor } from '../resource/mcp-door.js';
import { protectedResourceMetadata, protectedResourceMetadataUrl } from '../resource/metadata.js';
import type { RevocationList } from '../resource/revocation-list.js';
import { ScopeNames } from '../resource/scope-names.js';
import { discovery, type Shared } from './shared.js';

/** The largest MCP request body read. */
export const MCP_BODY_LIMIT = 4 * 1024 * 1024;

export interface ProtectedResourceDeps extends Pick<Shared, 'storage' | 'keys' | 'logger' | 'now' | 'metrics' | 'secret' | 'browserApi'> {
  config: ProtectedResourceConfig;
  revocations: RevocationList;
  toolsets: readonly Toolset[];
  /** The MCP change-event bus; across instances when Redis carries it. */
  bus?: ServerEventBus | undefined;
  /** Upstream providers' tokens for tools that call their APIs (KEEP_UPSTREAM_TOKENS). */
  vault?: UpstreamAccess | undefined;
  /** The gateway to the upstream servers of SERVERS_FILE. */
  gateway?: { upstreams: readonly Upstream[]; onListChanged(listener: (server: string, list: ListKind) => void): void } | undefined;
}

export function mountProtectedResource(app: Hono<AppEnv>, deps: ProtectedResourceDeps) {
  const { config, metrics, logger } = deps;
  const issuer = config.baseUrl;
  const external = config.auth.external;
  const scopeNames = external ? new ScopeNames(external.scopeMap) : ScopeNames.own;
  const authorizationServers = external ? external.issuers : [issuer];
  const upstreams = deps.gateway?.upstreams ?? [];
  const endpointPaths = [...MCP_PATHS, ...upstreams.map((upstream) => gatewayPath(upstream.name))];
  for (const path of endpointPaths) {
    const document = protectedResourceMetadata(mcpResource(issuer, path).url, authorizationServers, scopeNames.all());
    app.get(new URL(protectedResourceMetadataUrl(issuer, path)).pathname, discovery(document));
  }

  const verifier = external
    ? new ExternalTokenVerifier(external, scopeNames, deps.storage.identities)
    : new AccessTokenVerifier(deps.keys, issuer, deps.revocations, deps.now);
  const endpoint = (serverFactory: (parts: EndpointParts) => McpServerFactory) =>
    createMcpEndpoint({
      serverFactory,
      requestStateKey: deps.secret('mcp-request-state'),
      logger,
      bus: deps.bus,
      strictHeaders: config.mcpStrictHeaders,
      onQuirk: (quirk) => metrics.clientQuirk(quirk),
    });
  const builtInFactory = (parts: EndpointParts) =>
    createServerFactory({ ...parts, toolsets: deps.toolsets, vault: deps.vault, onToolCall: (tool, outcome) => metrics.toolCall(tool, outcome) });
  const closers: Array<() => Promise<void>> = [];
  // With upstream servers, `/mcp` is the aggregate of the built-in toolset and every server the caller may use.
  const mcp = endpoint((parts) => {
    if (upstreams.length === 0) return builtInFactory(parts);
    const builtIn = new BuiltInBackend(builtInFactory(parts));
    closers.push(() => builtIn.close());
    return relayServerFactory({ backends: [builtIn, ...upstreams], builtIn, aggregate: true, logger, requestState: parts.requestState });
  });
  closers.push(() => mcp.close());

  const guardDeps = {
    verifier,
    baseUrl: issuer,
    allowedOrigins: config.corsOrigins,
    maxBodyBytes: MCP_BODY_LIMIT,
    scopeNames,
    onRefused: (reason: string) => metrics.refused(reason),
  };
  const endpoints = new Map<string, { gate: McpGate; serve: McpServe }>();
  const mount = (path: string, serve: McpServe) => {
    const gate = mcpGate(path, guardDeps);
    endpoints.set(path, { gate, serve });
    app.use(path, deps.browserApi);
    app.all(path, guardMcpEndpoint(gate, serve));
  };
  for (const path of MCP_PATHS) mount(path, mcp.serve);
  const notifiers = new Map<string, ServerNotifier>();
  for (const upstream of upstreams) {
    const own = endpoint((parts) => relayServerFactory({ backends: [upstream], aggregate: false, logger, requestState: parts.requestState }));
    closers.push(() => own.close());
    notifiers.set(upstream.name, own.notify);
    mount(gatewayPath(upstream.name), forPermittedCallers(upstream, own.serve));
  }
  // An upstream's list changed: its own endpoint's subscribers and the aggregate's hear of it.
  deps.gateway?.onListChanged((server, list) => {
    for (const notify of [notifiers.get(server), upstreams.length > 0 ? mcp.notify : undefined]) {
      if (list === 'tools') notify?.toolsChanged();
      else if (list === 'prompts') notify?.promptsChanged();
      else notify?.resourcesChanged();
    }
  });
  return {
    /** The door to the same endpoints on Node's own request and response. */
    door: (door: NodeRouteDeps) =>
      mcpDoor({
        endpoints,
        ...door,
        onError: (error, requestId) => logger.error({ err: error, req_id: requestId }, 'unhandled error'),
      }),
    close: async () => {
      for (const close of closers) await close();
    },
  };
}

/** An upstream's own endpoint refuses, with 403, a caller its access rule leaves out. */
function forPermittedCallers(upstream: Upstream, serve: McpServe): McpServe {
  return async (call) => {
    if (await upstream.mayUse(callerFromAuthInfo(call.authInfo))) return serve(call);
    return jsonAnswer(403, { jsonrpc: '2.0', id: null, error: { code: -32001, message: `you may not use ${upstream.name}; ask an administrator` } });
  };
}
