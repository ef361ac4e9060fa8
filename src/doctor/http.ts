// Every request the doctor sends: bounded in time and size, never following a redirect off the server's origin,
// and turning network failures into a sentence rather than an exception, since a failure is itself a finding.
import { VERSION } from '../version.js';

export interface Reply {
  url: URL;
  status: number;
  headers: Headers;
  body: string;
}

export interface Unreachable {
  url: URL;
  /** A sentence for the report: "cannot reach https://x/mcp: ECONNREFUSED". */
  problem: string;
  /** The error code underneath (ECONNREFUSED, CERT_HAS_EXPIRED, TIMEOUT…), to pick a fix by. */
  code: string;
}

export type Outcome = Reply | Unreachable;

export const reached = (outcome: Outcome): outcome is Reply => 'status' in outcome;

// Metadata documents and error pages are small; anything bigger is read only this far.
const MAX_BODY_BYTES = 1_000_000;

export class Http {
  constructor(readonly timeoutMs: number) {}

  /** Sends one request and returns the response unread, for callers that stream it; throws on network failure. */
  send(url: URL, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (!headers.has('user-agent')) headers.set('user-agent', `gatehouse-doctor/${VERSION}`);
    return fetch(url, { ...init, headers, redirect: 'manual', signal: AbortSignal.timeout(this.timeoutMs) });
  }

  /** Sends one request and reads its body; a redirect is returned as it is, never followed. */
  async request(url: URL, init: RequestInit = {}): Promise<Outcome> {
    try {
      const response = await this.send(url, init);
      return { url, status: response.status, headers: response.headers, body: await readBounded(response) };
    } catch (error) {
      return this.unreachable(url, error);
    }
  }

  /**
   * GETs a URL, following redirects while they stay on its origin (up to five). A redirect that leaves the origin
   * is returned unfollowed: the doctor only talks to what the server itself names.
   */
  async get(url: URL, headers: HeadersInit = {}): Promise<Outcome & { redirects: URL[] }> {
    const redirects: URL[] = [];
    let current = url;
    for (;;) {
      const outcome = await this.request(current, { headers });
      const next = reached(outcome) ? redirectTarget(outcome) : undefined;
      if (!next || next.origin !== url.origin || redirects.length === 5) return { ...outcome, redirects };
      redirects.push(next);
      current = next;
    }
  }

  unreachable(url: URL, error: unknown): Unreachable {
    const code = errorCode(error);
    if (code === 'TIMEOUT') return { url, code, problem: `no answer from ${url.href} within ${this.timeoutMs / 1000} s` };
    return { url, code, problem: `cannot reach ${url.href}: ${code}` };
  }
}

export function redirectTarget(reply: Reply): URL | undefined {
  const location = reply.headers.get('location');
  if (reply.status < 300 || reply.status >= 400 || !location) return undefined;
  try {
    return new URL(location, reply.url);
  } catch {
    return undefined;
  }
}

/** The body as text, at most MAX_BODY_BYTES of it. */
export async function readBounded(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size >= MAX_BODY_BYTES) {
      await reader.cancel();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString('utf8');
}

/** The code that names a fetch failure: undici hides it in `cause`, several deep for a multi-address connect. */
function errorCode(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return 'TIMEOUT';
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current; depth++) {
    const candidate = current as { code?: unknown; errors?: unknown[]; cause?: unknown };
    if (typeof candidate.code === 'string') return candidate.code === 'UND_ERR_CONNECT_TIMEOUT' ? 'TIMEOUT' : candidate.code;
    current = candidate.errors?.[0] ?? candidate.cause;
  }
  return error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
}

const TLS_CODES = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/;

/** What to change when a URL cannot be reached, by the kind of failure. */
export function fixForUnreachable(failure: Unreachable): string {
  const { code, url } = failure;
  if (TLS_CODES.test(code))
    return `serve a certificate from a public CA (Let's Encrypt will do) that covers ${url.hostname}, with its full chain: Claude verifies it`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `publish a DNS A record for ${url.hostname}`;
  if (code === 'ECONNREFUSED') return `nothing accepts connections on ${url.host}: start the server, or check the port and the proxy in front of it`;
  if (code === 'TIMEOUT' || code === 'ETIMEDOUT')
    return `make ${url.host} answer within a few seconds; if a firewall drops the traffic, allow Claude's egress range 160.79.104.0/21`;
  return `make ${url.href} reachable from the internet over https`;
}

/** A short, single-line taste of a body for the report: tags stripped, whitespace collapsed. */
export function excerpt(body: string, length = 160): string {
  const text = body
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > length ? `${text.slice(0, length)}…` : text;
}

/** The body as a JSON object, or undefined when it is not one. */
export function jsonObject(body: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** "invalid_redirect_uri: why", from an RFC 6749 / 7591 error body; undefined when the body is not one. */
export function oauthError(body: Record<string, unknown>): string | undefined {
  if (typeof body.error !== 'string') return undefined;
  return typeof body.error_description === 'string' ? `${body.error}: ${body.error_description}` : body.error;
}
