// Refusals at the MCP endpoint, with the WWW-Authenticate challenges of RFC 6750 §3 and RFC 9728 §5.1 that tell a
// client where to find the authorization server and which scopes to ask for.
import { InsufficientScope, InvalidToken, TemporarilyUnavailable, Unauthorized, type OAuthError } from '../errors.js';

const quote = (value: string) => `"${value.replace(/[\\"]/g, '\\$&')}"`;

function challenge(params: Record<string, string | undefined>): string {
  const parts = Object.entries(params)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${quote(value!)}`);
  return `Bearer ${parts.join(', ')}`;
}

/** 401 to a request without a token: the challenge carries no error code (RFC 6750 §3.1). `scope`: what to ask for. */
export function missingToken(resourceMetadataUrl: string, scope: string): Unauthorized {
  return new Unauthorized('this MCP server requires an access token; see WWW-Authenticate', {
    reason: 'missing_token',
    headers: { 'WWW-Authenticate': challenge({ resource_metadata: resourceMetadataUrl, scope }) },
  });
}

/** The verifier's refusal of a token, with the challenge that sends the client back to sign in. */
export function refusedToken(error: OAuthError, resourceMetadataUrl: string, scope: string): OAuthError {
  if (error instanceof TemporarilyUnavailable)
    return new TemporarilyUnavailable(error.description, { reason: error.slug, detail: error.detail, headers: { 'Retry-After': '5' } });
  const header = challenge({ error: 'invalid_token', error_description: error.description, resource_metadata: resourceMetadataUrl, scope });
  return new InvalidToken(error.description, { reason: error.slug, headers: { 'WWW-Authenticate': header } });
}

/** 403 for a valid token that lacks the scope a method needs; the challenge names the scope to ask for. */
export function insufficientScope(resourceMetadataUrl: string, scope: string): InsufficientScope {
  const description = `this request needs the ${scope} scope`;
  return new InsufficientScope(description, {
    headers: { 'WWW-Authenticate': challenge({ error: 'insufficient_scope', error_description: description, scope, resource_metadata: resourceMetadataUrl }) },
  });
}
