// Client ID metadata documents Gatehouse knows without fetching them. Claude's endpoints sometimes answer
// datacenter fetches with a challenge page instead of the document, so their content ships here.

/** Where Claude (claude.ai, Desktop, mobile) receives authorization codes, on either of its domains. */
export const CLAUDE_CALLBACKS = ['https://claude.ai/api/mcp/auth_callback', 'https://claude.com/api/mcp/auth_callback'];

export const PINNED_METADATA_DOCUMENTS: Record<string, unknown>[] = [
  {
    client_id: 'https://claude.ai/oauth/mcp-oauth-client-metadata',
    client_name: 'Claude',
    client_uri: 'https://claude.ai',
    redirect_uris: ['https://claude.ai/api/mcp/auth_callback'],
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
  },
  {
    client_id: 'https://claude.ai/oauth/claude-code-client-metadata',
    client_name: 'Claude Code',
    client_uri: 'https://claude.ai',
    // Loopback redirects match on any port (RFC 8252 §7.3): Claude Code picks a free one each time.
    redirect_uris: ['http://localhost/callback', 'http://127.0.0.1/callback'],
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    application_type: 'native',
  },
];
