// Scope policy of the authorization server: which scopes exist and what a request may receive.
import { MCP_SCOPES } from '../protected-resources.js';
import { InvalidScope } from '../errors.js';

/** offline_access is advertised for clients that ask for it; refresh tokens follow the grant type, not a scope. */
export const SUPPORTED_SCOPES = [...MCP_SCOPES, 'offline_access'] as const;

export const parseScope = (scope: string | undefined): string[] => [...new Set((scope ?? '').split(' ').filter(Boolean))];

/**
 * The scopes to grant: those asked for that the client may have, or all of those when it asks for none (Claude
 * asks for nothing when the challenge names nothing). Scopes this server does not know, such as `openid`, are
 * ignored (RFC 6749 §3.3 lets the server grant less than asked); a request left with no MCP scope is refused.
 */
export function resolveRequestedScopes(requested: string | undefined, clientScope: string | undefined): string[] {
  const allowed = parseScope(clientScope ?? MCP_SCOPES.join(' ')).filter((scope) => (MCP_SCOPES as readonly string[]).includes(scope));
  const asked = parseScope(requested);
  const granted = asked.length === 0 ? allowed : asked.filter((scope) => allowed.includes(scope));
  if (granted.length === 0) throw new InvalidScope(`ask for at least one of ${allowed.join(' ')}`);
  return granted;
}

/** A narrower scope on refresh (RFC 6749 §6) must stay within the grant. */
export function narrowScope(requested: string | undefined, grantScope: string): string[] {
  const granted = parseScope(grantScope);
  const asked = parseScope(requested);
  if (asked.length === 0) return granted;
  const beyond = asked.filter((scope) => !granted.includes(scope) && scope !== 'offline_access');
  if (beyond.length > 0) throw new InvalidScope(`scope ${beyond.join(' ')} exceeds the grant`);
  const narrowed = asked.filter((scope) => granted.includes(scope));
  if (narrowed.length === 0) throw new InvalidScope('ask for at least one scope of the grant');
  return narrowed;
}
