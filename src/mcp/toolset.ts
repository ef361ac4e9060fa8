// The contract between Gatehouse and the tools a deployer defines.
import type { McpServer } from '@modelcontextprotocol/server';

/** The verified caller, as the resource server attaches it to `AuthInfo.extra.caller`. */
export interface Caller {
  userId: string;
  username: string;
  grantId: string;
}

/** Who is calling, as verified from the access token. */
export interface ToolContext {
  user: { id: string; username: string };
  clientId: string;
  scopes: string[];
}

/**
 * Registers tools, resources and prompts on a server built for one request. `context` says who the request is
 * from, so every handler can act for that user and no other.
 */
export type Toolset = (server: McpServer, context: ToolContext) => void;
