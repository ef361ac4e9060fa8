// Reads an MCP request the way its client means it, before the SDK sees it. Claude (and a few other clients) send
// protocol headers that disagree with the body in ways that put no one at risk: the body states which protocol era
// the client speaks, so the body decides, and the headers the SDK checks are set to match it. Every such tolerance
// is one named entry below, counted and logged, and MCP_STRICT_HEADERS=true turns them all off.
//
// A header that names another method or tool than the body is never a quirk: Mcp-Method and Mcp-Name steer
// intermediaries (gateways, firewalls, rate limiters), so a disagreement there is refused with -32020 in every mode.
import { LATEST_PROTOCOL_VERSION, PROTOCOL_VERSION_META_KEY, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/server';
import type { RequestHead } from '../http/request-head.js';

/** The behaviours tolerated, each with where it was seen; `gatehouse_mcp_client_quirks_total{quirk}` counts them. */
export const CLIENT_QUIRKS = {
  // anthropics/claude-code#93290: Claude's connector sends MCP-Protocol-Version: 2025-11-25 with a 2026-07-28 envelope.
  'version-header-differs-from-envelope': 'a 2026-07-28 request whose MCP-Protocol-Version header names another version',
  // anthropics/claude-ai-mcp#70: Claude sometimes sends no MCP-Protocol-Version header at all.
  'version-header-missing': 'a 2026-07-28 request without an MCP-Protocol-Version header',
  // CodeWithCJ/SparkyFitness#2155: after initialize, Claude sends its own newest version (2026-07-28) in the header.
  'version-header-unknown-to-2025-era': 'a 2025-era request (no envelope) whose MCP-Protocol-Version header names a version that era does not have',
  // anthropics/claude-ai-mcp#1044: 2026-07-28 requests from Claude without Mcp-Method.
  'method-header-missing': 'a 2026-07-28 request without an Mcp-Method header',
  // anthropics/claude-ai-mcp#1044: tools/call, prompts/get and resources/read without Mcp-Name.
  'name-header-missing': 'a 2026-07-28 tools/call, prompts/get or resources/read without an Mcp-Name header',
  // anthropics/claude-code#45368, NateBJones-Projects/OB1#33: Accept without text/event-stream; the 2025 transport answers 406.
  'accept-without-event-stream': 'a POST whose Accept header does not list both application/json and text/event-stream',
} as const;

export type ClientQuirk = keyof typeof CLIENT_QUIRKS;

/** The body field each method's Mcp-Name header mirrors (SEP-2243). */
const NAME_SOURCE: Record<string, string> = { 'tools/call': 'name', 'prompts/get': 'name', 'resources/read': 'uri' };
const ACCEPT_BOTH = 'application/json, text/event-stream';
/**
 * The envelope revisions the SDK serves. Only a claim of one of these is read past a disagreeing header: a claim of
 * a version nobody serves says nothing clear, and gets the SDK's -32020.
 */
export const ENVELOPE_REVISIONS: readonly string[] = ['2026-07-28'];
const BASE64_SENTINEL = /^=\?base64\?([A-Za-z0-9+/]*={0,2})\?=$/;

export type Reading =
  /** The headers to read in place of those sent (none when they agree with the body), and the quirks that made the difference. */
  | { refused: false; quirks: readonly ClientQuirk[]; replaced: ReadonlyMap<string, string> }
  /** A header contradicts the body: 400 with this JSON-RPC error (HeaderMismatch). */
  | { refused: true; body: { jsonrpc: '2.0'; error: { code: -32020; message: string }; id: string | number | null } };

const AGREED: Reading = { refused: false, quirks: [], replaced: new Map() };

/** How the SDK should read the request `head` carrying `body` (already parsed by the guard): which headers say what the body does. */
export function readAsMeant(head: RequestHead, body: unknown, strict: boolean): Reading {
  if (head.method !== 'POST') return AGREED;
  const message = isObject(body) && typeof body.method === 'string' ? body : undefined;
  const contradiction = message && contradictionIn(head, message.method as string, message.params);
  if (contradiction) {
    const id = typeof message.id === 'string' || typeof message.id === 'number' ? message.id : null;
    return {
      refused: true,
      body: { jsonrpc: '2.0', error: { code: -32020, message: `Bad Request: the request headers and body disagree: ${contradiction}` }, id },
    };
  }
  if (strict) return AGREED;

  const quirks: ClientQuirk[] = [];
  const replaced = new Map<string, string>();
  const tolerate = (quirk: ClientQuirk, header: string, value: string) => {
    quirks.push(quirk);
    replaced.set(header, value);
  };
  const versionHeader = head.header('mcp-protocol-version')?.trim();
  const claim = message && envelopeClaim(message.params);
  if (claim !== undefined) {
    // A malformed or unknown claim is left to the SDK, which refuses it (envelope error, or header mismatch).
    if (typeof claim === 'string' && ENVELOPE_REVISIONS.includes(claim)) {
      if (versionHeader === undefined) tolerate('version-header-missing', 'mcp-protocol-version', claim);
      else if (versionHeader !== claim) tolerate('version-header-differs-from-envelope', 'mcp-protocol-version', claim);
    }
    if (message!.id !== undefined) {
      const method = message!.method as string;
      if (head.header('mcp-method') === undefined) tolerate('method-header-missing', 'mcp-method', method);
      const name = nameIn(method, message!.params);
      if (name !== undefined && head.header('mcp-name') === undefined) tolerate('name-header-missing', 'mcp-name', asHeaderValue(name));
    }
  } else if (
    versionHeader !== undefined &&
    !(SUPPORTED_PROTOCOL_VERSIONS as readonly string[]).includes(versionHeader) &&
    head.header('mcp-method') === undefined
  ) {
    // Only when nothing but that header speaks 2026-07-28: with Mcp-Method too, the client speaks the 2026-07-28
    // headers and has left the envelope out, which the SDK refuses as the spec says (-32602).
    tolerate('version-header-unknown-to-2025-era', 'mcp-protocol-version', LATEST_PROTOCOL_VERSION);
  }
  if (!acceptsBoth(head.header('accept'))) tolerate('accept-without-event-stream', 'accept', ACCEPT_BOTH);
  return quirks.length === 0 ? AGREED : { refused: false, quirks, replaced };
}

/** Whether an Accept header lists both answers a Streamable HTTP POST may get, as the SDK requires. */
export function acceptsBoth(accept: string | undefined): boolean {
  return accept !== undefined && accept.includes('application/json') && accept.includes('text/event-stream');
}

/** Why Mcp-Method or Mcp-Name names something the body does not; undefined when they agree or are absent. */
function contradictionIn(head: RequestHead, method: string, params: unknown): string | undefined {
  const methodHeader = head.header('mcp-method')?.trim();
  if (methodHeader !== undefined && methodHeader !== method) return `the body names method ${method} but the Mcp-Method header names ${methodHeader}`;
  const nameHeader = head.header('mcp-name')?.trim();
  const name = nameIn(method, params);
  if (nameHeader === undefined || name === undefined) return undefined;
  const decoded = decodeHeaderValue(nameHeader);
  if (decoded === name) return undefined;
  return decoded === undefined
    ? 'the Mcp-Name header carries an invalid Base64 value'
    : `the body names ${JSON.stringify(name)} but the Mcp-Name header names ${JSON.stringify(decoded)}`;
}

/** The envelope's protocol version claim: a string, another value (malformed), or undefined when there is none. */
function envelopeClaim(params: unknown): unknown {
  const meta = isObject(params) ? params._meta : undefined;
  return isObject(meta) && PROTOCOL_VERSION_META_KEY in meta ? (meta[PROTOCOL_VERSION_META_KEY] ?? null) : undefined;
}

function nameIn(method: string, params: unknown): string | undefined {
  const field = Object.hasOwn(NAME_SOURCE, method) ? NAME_SOURCE[method]! : undefined;
  const value = field && isObject(params) ? params[field] : undefined;
  return typeof value === 'string' ? value : undefined;
}

/** SEP-2243: a value that is not plain visible ASCII travels Base64-encoded between `=?base64?` and `?=`. */
function asHeaderValue(value: string): string {
  return /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/.test(value) && !BASE64_SENTINEL.test(value)
    ? value
    : `=?base64?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}

function decodeHeaderValue(value: string): string | undefined {
  const encoded = BASE64_SENTINEL.exec(value);
  if (!encoded) return value;
  if (encoded[1]!.length % 4 !== 0) return undefined;
  return Buffer.from(encoded[1]!, 'base64').toString('utf8');
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
