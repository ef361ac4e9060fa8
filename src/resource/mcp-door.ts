// The MCP endpoints on Node's own request and response, for the requests that make up nearly all of their traffic:
// POSTs from MCP clients, which are not browsers (no Origin). Through the app, each would become a Web Request, run
// the middleware chain and come back from a Response, which costs more than serving a tool call. Here the same gate
// (guard.ts) admits them and the same endpoint serves them; the door adds what the app's middleware adds to every
// answer: the security headers, a request id, Connection: close over an unread body, the log line and metrics, and
// a 500 that says nothing but its request id. Everything else (GET streams, DELETE, browsers, which need CORS, and
// every request while tracing is on) takes the app's path.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { callerFromAuthInfo } from '../caller.js';
import { unexpectedErrorAnswer } from '../errors.js';
import { writeAnswer, type HttpAnswer } from '../http/answer.js';
import { closesConnection } from '../http/body-limits.js';
import { readIncomingBody } from '../http/body.js';
import { requestIdFrom } from '../http/request-id.js';
import { headOfIncoming, type RequestHead } from '../http/request-head.js';
import { pathOf, type NodeRoute, type NodeRouteDeps } from '../http/node-route.js';
import type { McpServe } from '../mcp-call.js';
import type { McpGate } from './guard.js';

export interface McpDoorOptions extends NodeRouteDeps {
  /** Each MCP path with its gate and what serves it. */
  endpoints: ReadonlyMap<string, { gate: McpGate; serve: McpServe }>;
  /** Told of a failure nobody foresaw, with the request id its 500 names. */
  onError(error: unknown, requestId: string): void;
}

/** What the log says of a request whose client went away before its answer (nginx's 499). */
const CLIENT_GONE: HttpAnswer = { status: 499, headers: {}, body: null };

export function mcpDoor(options: McpDoorOptions): NodeRoute {
  const everyAnswer = Object.fromEntries(options.securityHeaders);

  async function serve(request: IncomingMessage, response: ServerResponse, path: string, endpoint: { gate: McpGate; serve: McpServe }) {
    const { gate } = endpoint;
    const started = performance.now();
    const requestId = requestIdFrom(request.headers['x-request-id'] as string | undefined);
    const head = headOfIncoming(request);
    let answer: HttpAnswer | Response;
    let caller: { clientId: string; userId: string } | undefined;
    try {
      const admission = await gate(head, (maxBytes) => readIncomingBody(request, maxBytes));
      if ('refused' in admission) answer = admission.refused;
      else {
        const { authInfo, parsedBody } = admission.admitted;
        caller = { clientId: authInfo.clientId, userId: callerFromAuthInfo(authInfo).user.id };
        const signal = closeSignal(response);
        answer = await endpoint.serve({ head, authInfo, parsedBody, signal, webRequest: () => webRequestOf(request, head, signal) });
      }
    } catch (error) {
      // A client gone in the middle of its request is no failure of ours.
      if (!request.destroyed) options.onError(error, requestId);
      answer = request.destroyed ? CLIENT_GONE : unexpectedErrorAnswer(requestId);
    }
    const headers = closesConnection(request)
      ? { ...everyAnswer, 'X-Request-Id': requestId, Connection: 'close' }
      : { ...everyAnswer, 'X-Request-Id': requestId };
    await writeAnswer(response, answer, headers);
    const line = { requestId, method: 'POST', path, route: path, status: answer.status, seconds: (performance.now() - started) / 1000 };
    options.record(caller ? { ...line, ...caller } : line);
  }

  return (request, response) => {
    if (request.method !== 'POST' || request.headers.origin !== undefined) return false;
    const path = pathOf(request);
    const endpoint = options.endpoints.get(path);
    if (!endpoint) return false;
    serve(request, response, path, endpoint).catch((error: unknown) => {
      // Writing the answer failed: the connection is all that is left to end.
      options.onError(error, 'unanswered');
      response.destroy();
    });
    return true;
  };
}

/** Aborts when the client goes away before its answer is sent. */
function closeSignal(response: ServerResponse): AbortSignal {
  const controller = new AbortController();
  response.once('close', () => {
    if (!response.writableFinished) controller.abort();
  });
  return controller.signal;
}

/** The request as a Web Request without its body (the gate read it), for the SDK's own handler. */
function webRequestOf(request: IncomingMessage, head: RequestHead, signal: AbortSignal): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined && name !== 'content-length' && name !== 'transfer-encoding') headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  return new Request(`http://${head.header('host') ?? 'localhost'}${request.url ?? '/'}`, { method: 'POST', headers, signal });
}
