// One MCP request as a client sends it over Streamable HTTP, in either protocol era: the headers and body that
// test/ and bench/ both send. A 2026-07-28 request carries its envelope in _meta and the standard headers
// (MCP-Protocol-Version, Mcp-Method, Mcp-Name); a 2025-era one carries MCP-Protocol-Version only.

export type McpEra = '2026-07-28' | '2025-06-18';

/** The 2026-07-28 request envelope: every request names its protocol version and client. */
export const MODERN_ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'gatehouse-tests', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

export interface McpRequestOptions {
  era: McpEra;
  method: string;
  params?: Record<string, unknown>;
  /** A bearer token; none sends the request without credentials. */
  token?: string;
  id?: number | string;
  /** Headers added to (or, with the same name, replacing) the ones the era sends. */
  headers?: Record<string, string>;
}

/** The body fields a method's Mcp-Name header mirrors. */
const NAMED_BY: Record<string, string> = { 'tools/call': 'name', 'prompts/get': 'name', 'resources/read': 'uri' };

export function mcpRequest(options: McpRequestOptions): { headers: Record<string, string>; body: string } {
  const { era, method, params = {}, token, id = 1 } = options;
  const modern = era === '2026-07-28';
  const name = NAMED_BY[method] && params[NAMED_BY[method]];
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': era,
    ...(modern && { 'mcp-method': method }),
    ...(modern && typeof name === 'string' && { 'mcp-name': name }),
    ...(token !== undefined && { authorization: `Bearer ${token}` }),
    ...options.headers,
  };
  const body = { jsonrpc: '2.0', id, method, params: modern ? { ...params, _meta: { ...MODERN_ENVELOPE, ...(params._meta as object) } } : params };
  return { headers, body: JSON.stringify(body) };
}

/** Sends `mcpRequest(options)` to `url`. */
export function sendMcp(url: string, options: McpRequestOptions & { signal?: AbortSignal }): Promise<Response> {
  const { headers, body } = mcpRequest(options);
  return fetch(url, { method: 'POST', headers, body, ...(options.signal && { signal: options.signal }) });
}
