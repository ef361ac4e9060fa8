// Step 10, with a token: listing tools in both protocol eras. Claude and most clients today speak the 2025
// revisions (initialize, then requests on a session); 2026-07-28 clients send stateless requests that carry their
// version in headers and `_meta`. A server may speak one era or both.
import { LEGACY_PROTOCOL_VERSION, MODERN_PROTOCOL_VERSION } from './claude.js';
import { fail, pass, skip, warn, type Finding } from './finding.js';
import { excerpt, readBounded, type Http } from './http.js';
import { bearerChallenge } from './www-authenticate.js';
import { initializeRequest, MCP_POST_HEADERS, modernRequest, readJsonRpcAnswer, type JsonRpcMessage } from './jsonrpc.js';

export const TITLES = {
  legacy: `${LEGACY_PROTOCOL_VERSION} era: initialize, then tools/list`,
  modern: `${MODERN_PROTOCOL_VERSION} era: stateless tools/list`,
};

export type EraResult = { ok: true; detail: string } | { ok: false; detail: string; tokenRefused: boolean };

/** An MCP request the server did not answer with a result; `tokenRefused` when it was a 401 or 403. */
export class McpCallFailure extends Error {
  constructor(
    message: string,
    readonly tokenRefused = false,
  ) {
    super(message);
  }
}

/** `token` undefined means the server answered without one (an open server). */
export async function checkProtocolEras(http: Http, mcpUrl: URL, token: string | undefined): Promise<Finding[]> {
  const auth: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const legacy = await attempt(http, mcpUrl, () => legacyEra(http, mcpUrl, auth));
  const modern = await attempt(http, mcpUrl, () => modernEra(http, mcpUrl, auth));
  const tokenFix = `pass a current access token issued for ${mcpUrl.href} (its audience must be this URL) with the scopes tools/list needs`;

  const verdict = (id: string, title: string, result: EraResult, other: EraResult, fix: string): Finding => {
    if (result.ok) return pass(id, title, result.detail);
    if (result.tokenRefused) return fail(id, title, result.detail, tokenFix);
    // One era is enough to serve some clients; neither is a broken server.
    return other.ok ? warn(id, title, result.detail, fix) : fail(id, title, result.detail, fix);
  };
  return [
    verdict(
      'mcp.2025',
      TITLES.legacy,
      legacy,
      modern,
      `serve the initialize era too: Claude.ai speaks 2025-03-26, 2025-06-18 and 2025-11-25 and starts every connection with initialize`,
    ),
    verdict(
      'mcp.2026',
      TITLES.modern,
      modern,
      legacy,
      `serve ${MODERN_PROTOCOL_VERSION} requests too, e.g. with an MCP SDK that speaks it (the TypeScript SDK v2 answers both eras)`,
    ),
  ];
}

export const skippedEras = (reason: string): Finding[] => [skip('mcp.2025', TITLES.legacy, reason), skip('mcp.2026', TITLES.modern, reason)];

/** Runs `era` (requests to the server), turning a refusal or a network failure into a result that says what happened. */
export async function attempt(http: Http, mcpUrl: URL, era: () => Promise<string>): Promise<EraResult> {
  try {
    return { ok: true, detail: await era() };
  } catch (error) {
    if (error instanceof McpCallFailure) return { ok: false, detail: error.message, tokenRefused: error.tokenRefused };
    const network = error instanceof TypeError || (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'));
    return { ok: false, detail: network ? http.unreachable(mcpUrl, error).problem : `unreadable answer: ${(error as Error).message}`, tokenRefused: false };
  }
}

async function legacyEra(http: Http, mcpUrl: URL, auth: Record<string, string>): Promise<string> {
  const initialized = await callMcp(http, mcpUrl, { ...MCP_POST_HEADERS, ...auth }, initializeRequest(1), 'initialize');
  const version = String(initialized.message.result?.protocolVersion ?? '');
  if (!version) throw new McpCallFailure('initialize answered without a protocolVersion');
  const session = initialized.response.headers.get('mcp-session-id');
  const headers = { ...MCP_POST_HEADERS, ...auth, 'mcp-protocol-version': version, ...(session && { 'mcp-session-id': session }) };
  try {
    const notified = await http.send(mcpUrl, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) });
    await readBounded(notified);
    if (notified.status < 200 || notified.status >= 300) throw new McpCallFailure(`notifications/initialized answered ${notified.status} (expected 202)`);
    const listed = await callMcp(http, mcpUrl, headers, { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} }, 'tools/list');
    return `initialize → ${version}${session ? ', with a session' : ', stateless'}; tools/list → ${toolCount(listed.message)}`;
  } finally {
    // Leave no session behind; a server without sessions, or that ignores DELETE, is fine.
    if (session) await http.request(mcpUrl, { method: 'DELETE', headers: { ...auth, 'mcp-session-id': session, 'mcp-protocol-version': version } });
  }
}

async function modernEra(http: Http, mcpUrl: URL, auth: Record<string, string>): Promise<string> {
  const headers = { ...MCP_POST_HEADERS, ...auth, 'mcp-protocol-version': MODERN_PROTOCOL_VERSION, 'mcp-method': 'tools/list' };
  const listed = await callMcp(http, mcpUrl, headers, modernRequest(1, 'tools/list'), 'tools/list');
  return `tools/list → ${toolCount(listed.message)}`;
}

/** POSTs one JSON-RPC request and returns its result message; throws McpCallFailure saying how the server refused. */
export async function callMcp(
  http: Http,
  mcpUrl: URL,
  headers: Record<string, string>,
  body: object,
  method: string,
): Promise<{ response: Response; message: JsonRpcMessage }> {
  const response = await http.send(mcpUrl, { method: 'POST', headers, body: JSON.stringify(body) });
  if (response.status === 401 || response.status === 403) {
    const challenge = bearerChallenge(response.headers.get('www-authenticate'));
    const reason = challenge?.params.error_description ?? challenge?.params.error ?? excerpt(await readBounded(response), 100);
    throw new McpCallFailure(`${method} answered ${response.status}: the token was refused${reason ? ` (${reason})` : ''}`, true);
  }
  if (response.status < 200 || response.status >= 300) {
    const text = await readBounded(response);
    const error = (() => {
      try {
        return (JSON.parse(text) as JsonRpcMessage).error?.message;
      } catch {
        return undefined;
      }
    })();
    throw new McpCallFailure(`${method} answered ${response.status}${error ? `: ${error}` : text ? `: ${excerpt(text, 100)}` : ''}`);
  }
  const message = await readJsonRpcAnswer(response, (body as { id: number }).id);
  if (message.error) throw new McpCallFailure(`${method} answered with error ${message.error.code ?? ''}: ${message.error.message ?? ''}`.trim());
  return { response, message };
}

function toolCount(message: JsonRpcMessage): string {
  const tools = message.result?.tools;
  if (!Array.isArray(tools)) throw new McpCallFailure('tools/list answered without a tools array');
  return `${tools.length} tool${tools.length === 1 ? '' : 's'}`;
}
