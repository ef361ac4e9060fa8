// The protected resource: the guarded MCP endpoints and their RFC 9728 metadata, naming Gatehouse as the
// authorization server, or the external one (AUTH_MODE=external). The MCP door serves the same endpoints on
// Node's own request and response (src/resource/mcp-door.ts).
import type { ServerEventBus } from '@modelcontextprotocol/server';
import type { Hono } from 'hono';
import type { AppEnv } from '../app-env.js';
import type { ProtectedResourceConfig } from '../config.js';
import type { RequestLine } from '../http/request-line.js';
import { createMcpEndpoint } from '../mcp/endpoint.js';
import type { Toolset, UpstreamAccess } from '../mcp/toolset.js';
import { MCP_PATHS, mcpResource } from '../protected-resources.js';
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
}

export interface DoorDeps {
  securityHeaders: ReadonlyArray<readonly [string, string]>;
  record(line: RequestLine): void;
}

export function mountProtectedResource(app: Hono<AppEnv>, deps: ProtectedResourceDeps) {
  const { config, metrics, logger } = deps;
  const issuer = config.baseUrl;
  const external = config.auth.external;
  const scopeNames = external ? new ScopeNames(external.scopeMap) : ScopeNames.own;
  const authorizationServers = external ? external.issuers : [issuer];
  for (const path of MCP_PATHS) {
    const document = protectedResourceMetadata(mcpResource(issuer, path).url, authorizationServers, scopeNames.all());
    app.get(new URL(protectedResourceMetadataUrl(issuer, path)).pathname, discovery(document));
  }

  const verifier = external
    ? new ExternalTokenVerifier(external, scopeNames, deps.storage.identities)
    : new AccessTokenVerifier(deps.keys, issuer, deps.revocations, deps.now);
  const mcp = createMcpEndpoint({
    toolsets: deps.toolsets,
    requestStateKey: deps.secret('mcp-request-state'),
    logger,
    bus: deps.bus,
    vault: deps.vault,
    onToolCall: (tool, outcome) => metrics.toolCall(tool, outcome),
    strictHeaders: config.mcpStrictHeaders,
    onQuirk: (quirk) => metrics.clientQuirk(quirk),
  });
  const guardDeps = {
    verifier,
    baseUrl: issuer,
    allowedOrigins: config.corsOrigins,
    maxBodyBytes: MCP_BODY_LIMIT,
    scopeNames,
    onRefused: (reason: string) => metrics.refused(reason),
  };
  const gates = new Map<string, McpGate>();
  for (const path of MCP_PATHS) {
    const gate = mcpGate(path, guardDeps);
    gates.set(path, gate);
    app.use(path, deps.browserApi);
    app.all(path, guardMcpEndpoint(gate, mcp.serve));
  }
  return {
    /** The door to the same endpoints on Node's own request and response. */
    door: (door: DoorDeps) =>
      mcpDoor({
        gates,
        serve: mcp.serve,
        ...door,
        onError: (error, requestId) => logger.error({ err: error, req_id: requestId }, 'unhandled error'),
      }),
    close: () => mcp.close(),
  };
}
