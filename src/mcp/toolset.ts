// The contract between Gatehouse and the tools a deployer defines.
import type { McpServer, ServerContext, ServerNotifier } from '@modelcontextprotocol/server';

/** What the server offers every tool, whoever calls. Who calls, a handler reads with `callerOf(ctx)`. */
export interface ToolServices {
  /** Tells open `subscriptions/listen` streams that a list or a resource changed. */
  notify: ServerNotifier;
  /**
   * Seals a multi-round-trip tool's state (2026-07-28 `requestState`): HMAC-protected, bound to this caller's user,
   * client and method, valid on any instance. On the retry, `ctx.mcpReq.requestState()` returns the verified
   * payload; altered or foreign state is refused before the handler runs.
   */
  sealState(payload: unknown, ctx: ServerContext): Promise<string>;
  /**
   * The caller's access token at the upstream provider they signed in with (`oidc` or `github`), to call its API on
   * their behalf; refreshed when due. Undefined unless KEEP_UPSTREAM_TOKENS=true and the user signed in there.
   * Never the MCP client's token: that one is for Gatehouse only.
   */
  upstreamToken(provider: 'oidc' | 'github', ctx: ServerContext): Promise<string | undefined>;
}

/** Where upstream tokens come from (the identity module's vault), as the MCP layer sees it. */
export interface UpstreamAccess {
  accessToken(provider: string, userId: string): Promise<string | undefined>;
}

/**
 * Registers tools, resources and prompts on a server, once: the same server answers every caller, so handlers read
 * who is calling from each request (`callerOf(ctx)`) and act for that user and no other. Read the client's name and
 * capabilities from each request too (`ctx.mcpReq.envelope`).
 */
export type Toolset = (server: McpServer, services: ToolServices) => void;
