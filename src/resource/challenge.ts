// Refusals at the MCP endpoint, with the WWW-Authenticate challenges of RFC 6750 §3 and RFC 9728 §5.1 that tell a
// client where to find the authorization server and which scopes to ask for. Each is returned as plain parts, for
// the framework to send without building a Response object twice.

const quote = (value: string) => `"${value.replace(/[\\"]/g, '\\$&')}"`;

function challenge(params: Record<string, string | undefined>): string {
  const parts = Object.entries(params)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${quote(value!)}`);
  return `Bearer ${parts.join(', ')}`;
}

export interface Refusal {
  status: 401 | 403;
  body: { error: string; error_description: string };
  headers: { 'WWW-Authenticate': string };
}

/**
 * 401. Without a token the challenge carries no error code (RFC 6750 §3.1); with a bad one, invalid_token. `scope`
 * is what to ask the authorization server for, in its names.
 */
export function unauthorized(resourceMetadataUrl: string, scope: string, invalidTokenReason?: string): Refusal {
  const header = challenge({
    ...(invalidTokenReason !== undefined && { error: 'invalid_token', error_description: invalidTokenReason }),
    resource_metadata: resourceMetadataUrl,
    scope,
  });
  const body = invalidTokenReason
    ? { error: 'invalid_token', error_description: invalidTokenReason }
    : { error: 'unauthorized', error_description: 'this MCP server requires an access token; see WWW-Authenticate' };
  return { status: 401, body, headers: { 'WWW-Authenticate': header } };
}

/** 403 for a valid token that lacks the scope a method needs; the challenge names the scope to ask for. */
export function insufficientScope(resourceMetadataUrl: string, scope: string): Refusal {
  const description = `this request needs the ${scope} scope`;
  const header = challenge({ error: 'insufficient_scope', error_description: description, scope, resource_metadata: resourceMetadataUrl });
  return { status: 403, body: { error: 'insufficient_scope', error_description: description }, headers: { 'WWW-Authenticate': header } };
}
