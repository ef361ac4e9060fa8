// RFC 9728 protected resource metadata, one document per MCP endpoint, plus the root document that clients fetch
// first (a 404 there breaks Claude), which describes the canonical endpoint.
import { MCP_SCOPES } from '../protected-resources.js';

export const PRM_PATH = '/.well-known/oauth-protected-resource';

export function protectedResourceMetadataUrl(baseUrl: string, mcpPath: string): string {
  return `${baseUrl}${PRM_PATH}${mcpPath}`;
}

export function protectedResourceMetadata(resource: string, issuer: string) {
  return {
    resource,
    authorization_servers: [issuer],
    scopes_supported: [...MCP_SCOPES],
    bearer_methods_supported: ['header'],
    resource_name: 'Gatehouse MCP server',
  };
}
