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
import { readAsMeant, type ClientQuirk } from './client-quirks.js';
import type { ToolOutcome } from './tool-outcomes.js';
import type { Caller, Toolset, UpstreamAccess } from './toolset.js';
import { createServerFactory } from './server-factory.js';

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
  /** MCP_STRICT_HEADERS: serve the protocol headers as sent, refusing what the spec refuses. */
  strictHeaders?: boolean | undefined;
  /** Told of each client quirk tolerated (metrics). */
  onQuirk?: ((quirk: ClientQuirk) => void) | undefined;
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
  const handler = createMcpHandler(
    createServerFactory({ toolsets: deps.toolsets, requestState, notify: () => notify!, vault: deps.vault, onToolCall: deps.onToolCall }),
    {
      legacy: 'stateless',
      ...(deps.bus && { bus: deps.bus }),
      onerror: (error) => deps.logger.debug({ err: error }, 'MCP request refused'),
    },
  );
  notify = handler.notify;

  return {
    serve(request: Request, options: { authInfo: AuthInfo; parsedBody?: unknown }): Promise<Response> {
      const reading = readAsMeant(request, options.parsedBody, deps.strictHeaders ?? false);
      if (reading.refused) return Promise.resolve(new Response(JSON.stringify(reading.body), { status: 400, headers: { 'content-type': 'application/json' } }));
      if (reading.quirks.length > 0) {
        for (const quirk of reading.quirks) deps.onQuirk?.(quirk);
        deps.logger.debug({ quirks: reading.quirks, user_agent: request.headers.get('user-agent') }, 'read the MCP request as the client meant it');
      }
      return handler.fetch(reading.request, options);
    },
    notify: handler.notify,
    close: () => handler.close(),
  };
}
