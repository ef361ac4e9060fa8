// What the authorization server and the resource server agree on: where the MCP endpoints live and which
// scopes guard them. Both sides read this module; neither imports the other.

/** The canonical MCP endpoint first, then its aliases. */
export const MCP_PATHS = ['/mcp', '/mcp/streamable'] as const;

export const MCP_SCOPES = ['mcp:tools', 'mcp:resources', 'mcp:prompts'] as const;

/** The resource identifiers (RFC 8707) a token may be issued for: one per MCP endpoint. */
export function mcpResourceUrls(baseUrl: string): string[] {
  return MCP_PATHS.map((path) => baseUrl + path);
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
