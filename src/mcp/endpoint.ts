// The MCP Streamable HTTP endpoint, both protocol eras from the same URL, served by the official SDK. A request that
// is one plain call (list or call a tool, a resource, a prompt) goes to the long-lived connection of its era
// (connection.ts); everything else (initialize, server/discover, subscriptions/listen, notifications, batches,
// GET and DELETE, anything malformed) goes to the SDK's per-request handler, createMcpHandler, which also gives
// every refusal its standard answer. Both serve the same server, built by one factory.
import {
  classifyInboundRequest,
  createMcpHandler,
  createRequestStateCodec,
  SUPPORTED_PROTOCOL_VERSIONS,
  type JSONRPCMessage,
  type JSONRPCRequest,
  type McpServerFactory,
  type RequestStateCodec,
  type ServerContext,
  type ServerEventBus,
  type ServerNotifier,
} from '@modelcontextprotocol/server';
import type { Logger } from 'pino';
import { attachCaller, callerFromAuthInfo, callerOf } from '../caller.js';
import { jsonAnswer, type HttpAnswer } from '../http/answer.js';
import { withHeaders, type RequestHead } from '../http/request-head.js';
import type { McpCall } from '../mcp-call.js';
import { acceptsBoth, ENVELOPE_REVISIONS, readAsMeant, type ClientQuirk } from './client-quirks.js';
import { McpConnection } from './connection.js';

export interface McpEndpointDeps {
  /** Builds the factory of the server this endpoint serves, from what the endpoint provides every server. */
  serverFactory(parts: EndpointParts): McpServerFactory;
  /** Key for `requestState` HMACs; the same on every instance, so any of them can verify a retry. */
  requestStateKey: Uint8Array;
  logger: Logger;
  /** Where change events travel; an in-process bus when none is given. */
  bus?: ServerEventBus | undefined;
  /** MCP_STRICT_HEADERS: serve the protocol headers as sent, refusing what the spec refuses. */
  strictHeaders?: boolean | undefined;
  /** Told of each client quirk tolerated (metrics). */
  onQuirk?: ((quirk: ClientQuirk) => void) | undefined;
}

/** What an endpoint gives the server it serves: the `requestState` codec, and its change notifier. */
export interface EndpointParts {
  requestState: RequestStateCodec;
  /** The notifier of the handler's event bus, which exists only once the handler does. */
  notify: () => ServerNotifier;
}

/** The calls a connection serves: they read or act, and change nothing about the connection itself. */
const CONNECTION_METHODS = new Set(['tools/list', 'tools/call', 'resources/list', 'resources/templates/list', 'resources/read', 'prompts/list', 'prompts/get']);
const SSE_HEADERS = { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache, no-transform', 'X-Accel-Buffering': 'no' };
const JSON_HEADERS = { 'Content-Type': 'application/json' };

export function createMcpEndpoint(deps: McpEndpointDeps) {
  const requestState = createRequestStateCodec({
    key: deps.requestStateKey,
    // State that steers a tool must come back from the user, client and method it was minted for (SEP-2322).
    bind: (ctx: ServerContext) => {
      const caller = callerOf(ctx);
      return [ctx.mcpReq.method, caller.clientId, caller.user.id].join('\0');
    },
  });
  let notify: ServerNotifier | undefined;
  const factory = deps.serverFactory({ requestState, notify: () => notify! });
  const onerror = (error: Error) => deps.logger.debug({ err: error }, 'MCP request refused');
  const handler = createMcpHandler(factory, { legacy: 'stateless', ...(deps.bus && { bus: deps.bus }), onerror });
  notify = handler.notify;
  const connections = { modern: new McpConnection(factory, onerror), legacy: new McpConnection(factory, onerror) };
  const strict = deps.strictHeaders ?? false;

  return {
    serve(call: McpCall): Promise<HttpAnswer | Response> {
      const { head, parsedBody } = call;
      const reading = readAsMeant(head, parsedBody, strict);
      if (reading.refused) return Promise.resolve(jsonAnswer(400, reading.body));
      if (reading.quirks.length > 0) {
        for (const quirk of reading.quirks) deps.onQuirk?.(quirk);
        deps.logger.debug({ quirks: reading.quirks, user_agent: head.header('user-agent') }, 'read the MCP request as the client meant it');
      }
      if (parsedBody !== undefined) attachCaller(parsedBody, callerFromAuthInfo(call.authInfo));
      const era = connectionEra(withHeaders(head, reading.replaced), parsedBody, strict);
      if (era) return answerOverConnection(connections[era], era, parsedBody as JSONRPCRequest, call.signal);
      return handler.fetch(withReplacedHeaders(call.webRequest(), reading.replaced), { authInfo: call.authInfo, parsedBody });
    },
    notify: handler.notify,
    async close() {
      await Promise.all([connections.modern.close(), connections.legacy.close()]);
      await handler.close();
    },
  };
}

/** Which era's connection serves `body`: a single plain call, classified by the SDK; undefined for the handler. */
function connectionEra(head: RequestHead, body: unknown, strict: boolean): 'modern' | 'legacy' | undefined {
  // A first look, before the SDK's classification, which checks the whole message.
  const method = typeof body === 'object' && body !== null ? (body as { method?: unknown }).method : undefined;
  if (head.method !== 'POST' || typeof method !== 'string' || !CONNECTION_METHODS.has(method)) return undefined;
  // The handler answers 406 to what accepts too little; held to the letter, so is this request.
  if (!acceptsBoth(head.header('accept'))) return undefined;
  const versionHeader = head.header('mcp-protocol-version');
  const methodHeader = head.header('mcp-method');
  const nameHeader = head.header('mcp-name');
  const route = classifyInboundRequest({
    httpMethod: 'POST',
    protocolVersionHeader: versionHeader,
    mcpMethodHeader: methodHeader,
    mcpNameHeader: nameHeader,
    body,
  });
  if (route.kind === 'modern') {
    const revision = route.classification.revision;
    if (route.messageKind !== 'request' || revision === undefined || !ENVELOPE_REVISIONS.includes(revision)) return undefined;
    // The standard headers are required on 2026-07-28 requests: the handler refuses them missing (strict mode).
    if (strict && (versionHeader === undefined || methodHeader === undefined || (namedIn(body as JSONRPCRequest) && nameHeader === undefined)))
      return undefined;
    return 'modern';
  }
  if (route.kind === 'legacy' && route.reason === 'no-claim') {
    // The 2025 transport refuses a version it does not know.
    return versionHeader === undefined || (SUPPORTED_PROTOCOL_VERSIONS as readonly string[]).includes(versionHeader) ? 'legacy' : undefined;
  }
  return undefined;
}

/** `request` with the headers a tolerated quirk stands for; the body was read by the guard and travels parsed. */
function withReplacedHeaders(request: Request, replaced: ReadonlyMap<string, string>): Request {
  if (replaced.size === 0) return request;
  const headers = new Headers(request.headers);
  for (const [name, value] of replaced) headers.set(name, value);
  return new Request(request.url, { method: request.method, headers, signal: request.signal });
}

const namedIn = (message: JSONRPCRequest) => ['tools/call', 'prompts/get', 'resources/read'].includes(message.method);

/**
 * The HTTP answer to a request served over a connection, as the SDK's own transports give it: a 2026-07-28 answer
 * as JSON, with 404 for a method the server does not have; a 2025-era answer as an event stream. When the server
 * sends something before the answer (progress, a log line), the answer becomes an event stream from that moment on.
 */
async function answerOverConnection(connection: McpConnection, era: 'modern' | 'legacy', message: JSONRPCRequest, signal: AbortSignal): Promise<HttpAnswer> {
  const early: JSONRPCMessage[] = [];
  let live: ReadableStreamDefaultController<string> | undefined;
  let startStreaming: (value: 'streaming') => void;
  const streaming = new Promise<'streaming'>((resolve) => (startStreaming = resolve));
  const answering = connection.exchange(message, {
    signal,
    onMessage(sent) {
      if (live) live.enqueue(frame(sent));
      else {
        early.push(sent);
        startStreaming('streaming');
      }
    },
  });
  const first = await Promise.race([answering, streaming]);
  if (first === undefined) return { status: 499, headers: {}, body: null };
  if (first === 'streaming') {
    const body = new ReadableStream<string>({
      start(controller) {
        for (const sent of early) controller.enqueue(frame(sent));
        live = controller;
        void answering.then((answer) => {
          if (answer) controller.enqueue(frame(answer));
          controller.close();
        });
      },
    });
    return { status: 200, headers: SSE_HEADERS, body: body.pipeThrough(new TextEncoderStream()) };
  }
  if (era === 'legacy') return { status: 200, headers: SSE_HEADERS, body: frame(first) };
  const code = 'error' in first ? first.error.code : undefined;
  return { status: code === -32601 ? 404 : code === -32021 ? 400 : 200, headers: JSON_HEADERS, body: JSON.stringify(first) };
}

const frame = (message: JSONRPCMessage) => `event: message\ndata: ${JSON.stringify(message)}\n\n`;
