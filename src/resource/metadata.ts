// RFC 9728 protected resource metadata, one document per MCP endpoint. The root document, which clients fetch first
// (a 404 there breaks Claude), describes the MCP endpoint at the bare origin: its resource is the origin itself,
// a prefix of every MCP URL here, so a client's resource check (RFC 9728 §3.3) accepts it for `/` and `/mcp` alike.
import type { McpPath } from '../protected-resources.js';

export const PRM_PATH = '/.well-known/oauth-protected-resource';

/** RFC 9728 §3.1: the well-known segment goes before the resource's path; the origin's document is the root one. */
export function protectedResourceMetadataUrl(baseUrl: string, mcpPath: McpPath): string {
  return `${baseUrl}${PRM_PATH}${mcpPath === '/' ? '' : mcpPath}`;
}

/** `authorizationServers`: Gatehouse itself, or the external issuers; `scopes`: in their names. */
export function protectedResourceMetadata(resource: string, authorizationServers: readonly string[], scopes: readonly string[]) {
  return {
    resource,
    authorization_servers: [...authorizationServers],
    scopes_supported: [...scopes],
    bearer_methods_supported: ['header'],
    resource_name: 'Gatehouse MCP server',
  };
}
