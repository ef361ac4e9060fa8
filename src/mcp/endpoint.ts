// The MCP Streamable HTTP endpoint from the official SDK: 2026-07-28 requests on the modern path, 2025-era
// (initialize) requests through the SDK's stateless fallback, from the same URL.
import { createMcpHandler, type AuthInfo } from '@modelcontextprotocol/server';
import type { Logger } from 'pino';
import { createServerFactory } from './server-factory.js';
import type { Toolset } from './toolset.js';

const ACCEPT_BOTH = 'application/json, text/event-stream';

export function createMcpEndpoint(toolsets: readonly Toolset[], logger: Logger) {
  const handler = createMcpHandler(createServerFactory(toolsets), {
    legacy: 'stateless',
    onerror: (error) => logger.debug({ err: error }, 'MCP request refused'),
  });

  return {
    serve(request: Request, options: { authInfo: AuthInfo; parsedBody?: unknown }): Promise<Response> {
      return handler.fetch(withTolerantAccept(request), options);
    },
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
