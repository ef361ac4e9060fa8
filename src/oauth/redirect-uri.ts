// Which redirect URIs a client may register, and which requested URI matches a registered one.

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
/** Schemes that run code or read local data in the browser: never a redirect target. */
const DANGEROUS_SCHEMES = new Set(['javascript:', 'data:', 'vbscript:', 'file:', 'blob:', 'about:', 'filesystem:']);

export const isLoopbackHost = (hostname: string) => LOOPBACK_HOSTS.has(hostname);

/** Why `uri` cannot be registered, or undefined when it can. */
export function redirectUriProblem(uri: string): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return `${uri} is not an absolute URI`;
  }
  if (uri.includes('#')) return `${uri} has a fragment (RFC 6749 §3.1.2)`;
  if (DANGEROUS_SCHEMES.has(url.protocol)) return `${url.protocol} redirect URIs are not allowed`;
  if (url.username || url.password) return `${uri} carries credentials`;
  if (url.port === '0') return `${uri} names port 0, which nothing listens on`;
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:') {
    return isLoopbackHost(url.hostname) ? undefined : `${uri} must use https (http is allowed on loopback only)`;
  }
  if (url.protocol === 'ws:' || url.protocol === 'wss:' || url.protocol === 'ftp:') return `${url.protocol} is not a redirect scheme`;
  // Anything else is a private-use scheme (RFC 8252 §7.1), such as cursor:// or vscode://.
  return undefined;
}

/**
 * Exact string comparison (RFC 9700 §4.1.3), except that a loopback redirect may use any port (RFC 8252 §7.3):
 * native clients pick a free port at run time. Only the port is ignored: the rest must match character for
 * character, so no other spelling of a loopback address, path or query slips through URL normalisation.
 */
export function matchesRegisteredRedirect(requested: string, registered: readonly string[]): boolean {
  if (registered.includes(requested)) return true;
  const portless = withoutLoopbackPort(requested);
  return portless !== undefined && registered.some((candidate) => withoutLoopbackPort(candidate) === portless);
}

/**
 * `http://127.0.0.1:4567/cb` → `http://127.0.0.1/cb`, for the literal loopback spellings only, with a port a socket
 * can have (1 to 65535: a URI naming another is not one, and would fail wherever it is parsed); else undefined.
 */
function withoutLoopbackPort(uri: string): string | undefined {
  const match = /^(http:\/\/(?:localhost|127\.0\.0\.1|\[::1\]))(?::(\d{1,5}))?([/?].*)?$/.exec(uri);
  if (!match) return undefined;
  const port = match[2] === undefined ? undefined : Number(match[2]);
  if (port !== undefined && (port < 1 || port > 65535)) return undefined;
  return match[1]! + (match[3] ?? '');
}
