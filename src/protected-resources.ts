// What the authorization server and the resource server agree on: where the MCP endpoints live, which resource
// identifiers (RFC 8707) tokens are issued for, and which scopes guard them. Both sides read this module; neither
// imports the other.

/**
 * The canonical MCP endpoint first, then its alias, then the bare origin: Claude's set-up step asks for "your server
 * URL", and people enter the origin.
 */
export const MCP_PATHS = ['/mcp', '/mcp/streamable', '/'] as const;
/** One of MCP_PATHS, or an upstream server's own endpoint (gatewayPath). */
export type McpPath = string;

/** Where the gateway serves one upstream server (SERVERS_FILE). */
export const gatewayPath = (server: string) => `/mcp/${server}`;

export const MCP_SCOPES = ['mcp:tools', 'mcp:resources', 'mcp:prompts'] as const;

export interface McpResource {
  /** The endpoint's resource identifier: its URL, or the origin itself for `/` (RFC 9728 §3). */
  url: string;
  /**
   * The token audiences accepted there: its own URL, and the origin, which names the whole server. A token issued for
   * the origin works on every MCP path; one issued for `/mcp` works at `/mcp` only.
   */
  audiences: readonly string[];
}

export function mcpResource(baseUrl: string, path: McpPath): McpResource {
  if (path === '/') return { url: baseUrl, audiences: [baseUrl] };
  const url = baseUrl + path;
  return { url, audiences: [url, baseUrl] };
}

/**
 * The resource identifiers a token may be issued for, the origin first: it is the default when a client names none.
 * Each upstream server's endpoint is a resource of its own, so a token issued for it works there and nowhere else.
 */
export function mcpResourceUrls(baseUrl: string, servers: readonly string[] = []): string[] {
  const paths = [...MCP_PATHS.filter((path) => path !== '/'), ...servers.map(gatewayPath)];
  return [baseUrl, ...paths.map((path) => baseUrl + path)];
}

/** Compares resource identifiers as RFC 8707 intends: absolute URLs, one trailing slash ignored. */
export function canonicalResource(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.hash || (url.protocol !== 'https:' && url.protocol !== 'http:')) return undefined;
  return url.href.replace(/\/$/, '');
}
