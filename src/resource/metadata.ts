// RFC 9728 protected resource metadata, one document per MCP endpoint, plus the root document that clients fetch
// first (a 404 there breaks Claude), which describes the canonical endpoint.

export const PRM_PATH = '/.well-known/oauth-protected-resource';

export function protectedResourceMetadataUrl(baseUrl: string, mcpPath: string): string {
  return `${baseUrl}${PRM_PATH}${mcpPath}`;
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
