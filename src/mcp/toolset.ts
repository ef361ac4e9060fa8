// The contract between Gatehouse and the tools a deployer defines.
import type { McpServer, ServerContext, ServerNotifier } from '@modelcontextprotocol/server';

/** The verified caller, as the resource server attaches it to `AuthInfo.extra.caller`. */
export interface Caller {
  userId: string;
  username: string;
  /** The grant the token belongs to (Gatehouse's own tokens; an external server's have none here). */
  grantId?: string | undefined;
}

/** Who is calling, as verified from the access token, and what the server offers every tool. */
export interface ToolContext {
  user: { id: string; username: string };
  clientId: string;
  scopes: string[];
  /** Tells open `subscriptions/listen` streams that a list or a resource changed. */
  notify: ServerNotifier;
  /**
   * Seals a multi-round-trip tool's state (2026-07-28 `requestState`): HMAC-protected, bound to this user, client
   * and method, valid on any instance. On the retry, `ctx.mcpReq.requestState()` returns the verified payload;
   * altered or foreign state is refused before the handler runs.
   */
  sealState(payload: unknown, ctx: ServerContext): Promise<string>;
  /**
   * The user's access token at the upstream provider they signed in with (`oidc` or `github`), to call its API on
   * their behalf; refreshed when due. Undefined unless KEEP_UPSTREAM_TOKENS=true and the user signed in there.
   * Never the MCP client's token: that one is for Gatehouse only.
   */
  upstreamToken(provider: 'oidc' | 'github'): Promise<string | undefined>;
}

/** Where upstream tokens come from (the identity module's vault), as the MCP layer sees it. */
export interface UpstreamAccess {
  accessToken(provider: string, userId: string): Promise<string | undefined>;
}

/**
 * Registers tools, resources and prompts on a server built for one caller. `context` says who is calling, so every
 * handler can act for that user and no other. The server may go on to serve the same caller's later 2026-07-28
 * requests (never another caller's), so register everything here and leave the server unchanged from handlers.
 * Read the client's name and capabilities from each request (`ctx.mcpReq.envelope`), not from the deprecated
 * `server.getClientVersion()`, which may still hold an earlier request's.
 */
export type Toolset = (server: McpServer, context: ToolContext) => void;
