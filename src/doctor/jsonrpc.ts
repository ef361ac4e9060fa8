// JSON-RPC over MCP Streamable HTTP: the requests the doctor sends, and reading the answer whether the server
// replies with plain JSON or with an event stream that carries it (both are allowed, and both occur in the field).
import { VERSION } from '../version.js';
import { LEGACY_PROTOCOL_VERSION, MODERN_PROTOCOL_VERSION } from './claude.js';
import { readBounded } from './http.js';

export interface JsonRpcMessage {
  jsonrpc?: string;
  id?: number | string | null;
  result?: Record<string, unknown>;
  error?: { code?: number; message?: string };
}

export const CLIENT_INFO = { name: 'gatehouse-doctor', version: VERSION };

export const initializeRequest = (id: number) => ({
  jsonrpc: '2.0',
  id,
  method: 'initialize',
  params: { protocolVersion: LEGACY_PROTOCOL_VERSION, capabilities: {}, clientInfo: CLIENT_INFO },
});

/** The 2026-07-28 envelope: every request names its protocol version, client and capabilities in `_meta`. */
export const modernRequest = (id: number, method: string, params: Record<string, unknown> = {}) => ({
  jsonrpc: '2.0',
  id,
  method,
  params: {
    ...params,
    _meta: {
      'io.modelcontextprotocol/protocolVersion': MODERN_PROTOCOL_VERSION,
      'io.modelcontextprotocol/clientInfo': CLIENT_INFO,
      'io.modelcontextprotocol/clientCapabilities': {},
    },
  },
});

export const MCP_POST_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

/** The answer to request `id`, from a JSON body (single or batch) or from the events of an SSE stream. */
export async function readJsonRpcAnswer(response: Response, id: number): Promise<JsonRpcMessage> {
  const type = (response.headers.get('content-type') ?? '').toLowerCase();
  if (type.includes('text/event-stream')) return readFromEventStream(response, id);
  if (!type.includes('json')) {
    await response.body?.cancel();
    throw new Error(`answered with ${type || 'no Content-Type'}, neither JSON nor an event stream`);
  }
  const answer = findAnswer(JSON.parse(await readBounded(response)), id);
  if (!answer) throw new Error(`the JSON answer carries no response to request ${id}`);
  return answer;
}

function findAnswer(value: unknown, id: number): JsonRpcMessage | undefined {
  const messages = (Array.isArray(value) ? value : [value]) as JsonRpcMessage[];
  return messages.find((message) => message && typeof message === 'object' && message.id === id && ('result' in message || 'error' in message));
}

// A server may keep the stream open after the answer (or send notifications first), so read event by event and
// stop at the answer rather than waiting for the end.
async function readFromEventStream(response: Response, id: number): Promise<JsonRpcMessage> {
  if (!response.body) throw new Error('the event stream is empty');
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (value) buffer += value.replace(/\r\n?/g, '\n');
      if (done) buffer += '\n\n'; // the last event may end with the stream rather than a blank line
      let end: number;
      while ((end = buffer.indexOf('\n\n')) !== -1) {
        const data = eventData(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (!data) continue;
        let parsed: unknown;
        try {
          parsed = JSON.parse(data);
        } catch {
          continue;
        }
        const answer = findAnswer(parsed, id);
        if (answer) return answer;
      }
      if (done) throw new Error(`the event stream ended without a response to request ${id}`);
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

const eventData = (event: string) =>
  event
    .split('\n')
    .filter((line) => line.startsWith('data:'))
    .map((line) => line.slice(5).replace(/^ /, ''))
    .join('\n');
