// One long-lived MCP connection per protocol era, through the SDK's own connection entry: serveStdio, given a
// transport of ours instead of stdin and stdout. The SDK pins ONE server instance from the factory to a connection
// for its lifetime (its contract for connections) and does the protocol: era negotiation from the first message,
// envelopes, dispatch, validation, results. Building that instance, its transport and a Response per request was
// most of a tool call's cost; here an HTTP request's message is delivered to the connection and its answer comes
// back, carrying the caller in the message (src/caller.ts).
//
// Requests from different HTTP callers share the connection, and clients reuse ids freely (most send 1), so each
// message is renumbered on the way in and given its own id back on the way out. What the server sends in the
// course of a request (progress, log messages, a request to the client) comes with that request's id as
// `relatedRequestId`, and goes to that request's caller only.
import type { JSONRPCMessage, JSONRPCRequest, JSONRPCResponse, McpServerFactory, Transport, TransportSendOptions } from '@modelcontextprotocol/server';
import { serveStdio, type StdioServerHandle } from '@modelcontextprotocol/server/stdio';

export interface Exchange {
  /** Aborts the request: the handler's signal fires (notifications/cancelled), and no answer is awaited. */
  signal: AbortSignal;
  /** What the server sends for this request before its answer. */
  onMessage(message: JSONRPCMessage): void;
}

interface Pending {
  id: JSONRPCRequest['id'];
  exchange: Exchange;
  resolve(response: JSONRPCResponse): void;
}

export class McpConnection {
  #wire: Wire | undefined;
  #handle: StdioServerHandle | undefined;

  constructor(
    private readonly factory: McpServerFactory,
    private readonly onerror: (error: Error) => void,
  ) {}

  /** Serves one request; resolves with its answer (under the caller's own id), or undefined when it was aborted. */
  exchange(message: JSONRPCRequest, exchange: Exchange): Promise<JSONRPCResponse | undefined> {
    return this.#open().exchange(message, exchange);
  }

  async close(): Promise<void> {
    const handle = this.#handle;
    this.#wire = undefined;
    this.#handle = undefined;
    await handle?.close();
  }

  /** The connection, opened on first use and again after the SDK closed one (its instance failed). */
  #open(): Wire {
    if (this.#wire && !this.#wire.closed) return this.#wire;
    const wire = new Wire();
    this.#wire = wire;
    this.#handle = serveStdio(this.factory, { transport: wire, onerror: this.onerror });
    return wire;
  }
}

/** The transport serveStdio reads from and writes to, in place of stdin and stdout. */
class Wire implements Transport {
  onmessage?: Transport['onmessage'];
  onclose?: () => void;
  onerror?: (error: Error) => void;
  closed = false;
  #nextId = 0;
  readonly #pending = new Map<number, Pending>();

  async start(): Promise<void> {}

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    if ('id' in message && ('result' in message || 'error' in message)) {
      const pending = typeof message.id === 'number' ? this.#pending.get(message.id) : undefined;
      if (!pending) return;
      this.#pending.delete(message.id as number);
      pending.resolve({ ...message, id: pending.id } as JSONRPCResponse);
      return;
    }
    const related = typeof options?.relatedRequestId === 'number' ? this.#pending.get(options.relatedRequestId) : undefined;
    // Anything else (a list-changed notification, a log line of no request) has no caller to go to.
    related?.exchange.onMessage(message);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const pending of this.#pending.values()) pending.resolve(internalError(pending.id));
    this.#pending.clear();
    this.onclose?.();
  }

  exchange(message: JSONRPCRequest, exchange: Exchange): Promise<JSONRPCResponse | undefined> {
    if (exchange.signal.aborted) return Promise.resolve(undefined);
    const id = ++this.#nextId;
    return new Promise((resolve) => {
      const abort = () => {
        if (!this.#pending.delete(id)) return;
        resolve(undefined);
        const cancelled = { requestId: id, reason: 'the HTTP request was closed', ...(meta(message) && { _meta: envelopeOf(message) }) };
        this.onmessage?.({ jsonrpc: '2.0', method: 'notifications/cancelled', params: cancelled });
      };
      this.#pending.set(id, {
        id: message.id,
        exchange,
        resolve: (response) => {
          exchange.signal.removeEventListener('abort', abort);
          resolve(response);
        },
      });
      exchange.signal.addEventListener('abort', abort, { once: true });
      this.onmessage?.({ ...message, id });
    });
  }
}

const meta = (message: JSONRPCRequest) => (message.params as { _meta?: Record<string, unknown> } | undefined)?._meta;

/** The 2026-07-28 envelope keys of a request, for the notification that cancels it (notifications carry one too). */
function envelopeOf(message: JSONRPCRequest): Record<string, unknown> {
  return Object.fromEntries(Object.entries(meta(message) ?? {}).filter(([key]) => key.startsWith('io.modelcontextprotocol/')));
}

const internalError = (id: JSONRPCRequest['id']): JSONRPCResponse => ({
  jsonrpc: '2.0',
  id,
  error: { code: -32603, message: 'Internal error: the MCP connection closed' },
});
