// The MCP Streamable HTTP endpoint from the official SDK: 2026-07-28 requests on the modern path, 2025-era
// (initialize) requests through the SDK's stateless fallback, from the same URL.
import {
  createMcpHandler,
  createRequestStateCodec,
  type AuthInfo,
  type ServerContext,
  type ServerEventBus,
  type ServerNotifier,
} from '@modelcontextprotocol/server';
import type { Logger } from 'pino';
import type { ToolOutcome } from './tool-outcomes.js';
import type { Caller, Toolset, UpstreamAccess } from './toolset.js';
import { createServerFactory } from './server-factory.js';

const ACCEPT_BOTH = 'application/json, text/event-stream';

export interface McpEndpointDeps {
  toolsets: readonly Toolset[];
  /** Key for `requestState` HMACs; the same on every instance, so any of them can verify a retry. */
  requestStateKey: Uint8Array;
  logger: Logger;
  /** Where change events travel; an in-process bus when none is given. */
  bus?: ServerEventBus | undefined;
  /** Upstream providers' tokens for tools that call their APIs (KEEP_UPSTREAM_TOKENS). */
  vault?: UpstreamAccess | undefined;
  /** Told of every tool call's outcome (metrics). */
  onToolCall?: ToolOutcome | undefined;
}

export function createMcpEndpoint(deps: McpEndpointDeps) {
  const requestState = createRequestStateCodec({
    key: deps.requestStateKey,
    // State that steers a tool must come back from the user, client and method it was minted for (SEP-2322).
    bind: (ctx: ServerContext) => {
      const caller = ctx.http?.authInfo?.extra?.caller as Caller | undefined;
      return [ctx.mcpReq.method, ctx.http?.authInfo?.clientId ?? '', caller?.userId ?? ''].join('\0');
    },
  });
  let notify: ServerNotifier | undefined;
  const handler = createMcpHandler(createServerFactory({ toolsets: deps.toolsets, requestState, notify: () => notify!, vault: deps.vault, onToolCall: deps.onToolCall }), {
    legacy: 'stateless',
    ...(deps.bus && { bus: deps.bus }),
    onerror: (error) => deps.logger.debug({ err: error }, 'MCP request refused'),
  });
  notify = handler.notify;

  return {
    serve(request: Request, options: { authInfo: AuthInfo; parsedBody?: unknown }): Promise<Response> {
      return handler.fetch(withTolerantAccept(request), options);
    },
    notify: handler.notify,
    close: () => handler.close(),
  };
}

/**
 * The 2025 transport answers 406 unless Accept lists both JSON and SSE; some clients (Claude among them) send
 * less, and a strict 406 breaks them. The body was already read by the guard and travels as `parsedBody`.
 */
function withTolerantAccept(request: Request): Request {
  const accept = request.headers.get('accept') ?? '';
  if (request.method !== 'POST' || (accept.includes('application/json') && accept.includes('text/event-stream'))) return request;
  const headers = new Headers(request.headers);
  headers.set('accept', ACCEPT_BOTH);
  return new Request(request.url, { method: request.method, headers, signal: request.signal });
}
