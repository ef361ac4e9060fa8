// The contract between Gatehouse and the tools a deployer defines.
import type { McpServer, ServerContext, ServerNotifier } from '@modelcontextprotocol/server';

/** The verified caller, as the resource server attaches it to `AuthInfo.extra.caller`. */
export interface Caller {
  userId: string;
  username: string;
  grantId: string;
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
}

/**
 * Registers tools, resources and prompts on a server built for one request. `context` says who the request is
 * from, so every handler can act for that user and no other.
 */
export type Toolset = (server: McpServer, context: ToolContext) => void;
