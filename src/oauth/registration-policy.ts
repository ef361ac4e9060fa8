// Which registrations the server accepts (REGISTRATION): open, allowlist (redirect URIs matching the configured
// patterns), or closed (pre-registered clients and metadata documents only).
import type { ClientMetadata } from '../storage/index.js';
import { InvalidClientMetadata, InvalidRedirectUri } from '../errors.js';
import { isLoopbackHost } from './redirect-uri.js';

export interface RegistrationPolicy {
  mode: 'open' | 'allowlist' | 'closed';
  allowedRedirects: readonly string[];
}

/** A pattern is an exact URI, a prefix ending in `*`, or `loopback` (http on a loopback host, any port). */
export function redirectAllowed(uri: string, patterns: readonly string[]): boolean {
  return patterns.some((pattern) => {
    if (pattern === 'loopback') {
      try {
        const url = new URL(uri);
        return url.protocol === 'http:' && isLoopbackHost(url.hostname);
      } catch {
        return false;
      }
    }
    return pattern.endsWith('*') ? uri.startsWith(pattern.slice(0, -1)) : uri === pattern;
  });
}

export function enforceRegistrationPolicy(metadata: ClientMetadata, policy: RegistrationPolicy): void {
  if (policy.mode === 'closed') {
    throw new InvalidClientMetadata(
      'dynamic registration is closed on this server (REGISTRATION=closed): use a client ID metadata document, or ask the operator for a pre-registered client',
    );
  }
  if (policy.mode === 'allowlist') {
    const refused = metadata.redirect_uris.filter((uri) => !redirectAllowed(uri, policy.allowedRedirects));
    if (refused.length > 0) {
      throw new InvalidRedirectUri(
        `${refused.join(', ')} is not accepted by this server's registration policy (REGISTRATION=allowlist); ` +
          `accepted redirect URIs: ${policy.allowedRedirects.join(', ')}`,
      );
    }
  }
}
