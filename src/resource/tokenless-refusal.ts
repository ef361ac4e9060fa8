// The guard's answer to MCP requests that carry no credentials at all, in its Node-level form. Those are the
// cheapest requests to send and the likeliest to arrive in floods (scanners, misconfigured clients, attacks), so they
// are refused on Node's own request and response, before Hono builds a Request, runs its middleware and converts a
// Response back: the very 401 the guard gives (its challenge, the security headers, a request id), serialized once,
// logged and counted as every request is. Requests from browsers (with Origin) take the full path, which answers CORS.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorAnswer, type OAuthError } from '../errors.js';
import { closesConnection } from '../http/body-limits.js';
import { requestIdFrom } from '../http/request-id.js';
import type { RequestLine } from '../http/request-line.js';

export interface TokenlessDoorOptions {
  /** Each MCP path, with the guard's refusal there for a request without a token. */
  refusals: ReadonlyMap<string, OAuthError>;
  securityHeaders: ReadonlyArray<readonly [string, string]>;
  /** Logs and counts a refused request, as the app does for its own. */
  record(line: RequestLine): void;
}

/** Answers and returns true for a credential-less MCP request; returns false, untouched, for anything else. */
export type TokenlessDoor = (request: IncomingMessage, response: ServerResponse) => boolean;

export function tokenlessDoor(options: TokenlessDoorOptions): TokenlessDoor {
  const answers = new Map(
    [...options.refusals].map(([path, refusal]) => {
      const { status, headers, body } = errorAnswer(refusal);
      return [
        path,
        { status, body, headers: { ...Object.fromEntries(options.securityHeaders), ...headers, 'Content-Length': String(Buffer.byteLength(body)) } },
      ];
    }),
  );
  return (request, response) => {
    if (request.headers.authorization !== undefined || request.headers.origin !== undefined) return false;
    const url = request.url ?? '';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    const answer = answers.get(path);
    // At the origin only POSTs are MCP for certain: a GET there may be a browser asking for the home page.
    if (!answer || (path === '/' && request.method !== 'POST')) return false;
    const started = performance.now();
    const requestId = requestIdFrom(request.headers['x-request-id'] as string | undefined);
    response.writeHead(answer.status, { ...answer.headers, 'X-Request-Id': requestId, ...(closesConnection(request) && { Connection: 'close' }) });
    response.end(answer.body);
    options.record({ requestId, method: request.method ?? 'GET', path, route: path, status: answer.status, seconds: (performance.now() - started) / 1000 });
    return true;
  };
}
