// What Claude.ai sends when it connects a custom connector, as observed and documented (see DESIGN.md, "What real
// clients do"). The doctor replays exactly these values, so a pass means Claude's own requests would pass.

export const CLAUDE_ORIGIN = 'https://claude.ai';
export const CLAUDE_CALLBACK = 'https://claude.ai/api/mcp/auth_callback';
/** The client id Claude uses when the authorization server advertises Client ID Metadata Documents. */
export const CLAUDE_CIMD_CLIENT_ID = 'https://claude.ai/oauth/mcp-oauth-client-metadata';
/** Claude's egress range: an allowlist for the MCP endpoint must include it. */
export const CLAUDE_EGRESS = '160.79.104.0/21';

/** The dynamic client registration body Claude posts, byte for byte in meaning. */
export const CLAUDE_REGISTRATION = {
  redirect_uris: [CLAUDE_CALLBACK],
  token_endpoint_auth_method: 'client_secret_post',
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  client_name: 'Claude',
};

export const LEGACY_PROTOCOL_VERSION = '2025-06-18';
export const MODERN_PROTOCOL_VERSION = '2026-07-28';
