// The middleware every request of the app passes: its id, its log line and metrics, its trace span, and the one
// place where a thrown error becomes an answer.
import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { routePath } from 'hono/route';
import type { AppEnv } from '../app-env.js';
import { errorAnswer, OAuthError, unexpectedErrorAnswer } from '../errors.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { Tracing } from '../tracing.js';
import { toResponse } from './answer.js';
import { closesConnection } from './body-limits.js';
import { requestIdFrom } from './request-id.js';
import type { RequestLine } from './request-line.js';

/**
 * Gives every request an id (echoed as X-Request-Id), then logs one line for it (route,
 * status, latency, and the client and user once known), counts it in the metrics under its route pattern (never its
 * raw path) and ends its trace span.
 */
export function requestContext(options: { record: (line: RequestLine) => void; tracing: Tracing | undefined }) {
  const { record, tracing } = options;
  return async (c: Context<AppEnv>, next: () => Promise<void>) => {
    const requestId = requestIdFrom(c.req.header('x-request-id'));
    c.set('requestId', requestId);
    const started = performance.now();
    const span = tracing?.begin(c.req.method, c.req.path, c.req.raw.headers);
    await next();
    const seconds = (performance.now() - started) / 1000;
    // Set on the response in place: c.header() after the handler would copy the whole response.
    c.res.headers.set('X-Request-Id', requestId);
    const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
    if (incoming && closesConnection(incoming)) c.res.headers.set('Connection', 'close');
    const route = routePath(c, -1) || 'unmatched';
    span?.end(route, c.res.status, { 'gatehouse.client_id': c.var.clientId, 'gatehouse.request_id': requestId });
    record({ requestId, method: c.req.method, path: c.req.path, route, status: c.res.status, seconds, clientId: c.var.clientId, userId: c.var.userId });
  };
}

/** The error serializer: refusals become their standard answers; anything unexpected a 500 that says nothing but its request id. */
/**
 * The error handler. `page` answers an unexpected error with a page when the request is a browser's (the pages live
 * above this layer); it answers undefined for API clients, who get the JSON error with the request id.
 */
export function errorResponder(logger: Logger, metrics: Metrics, page?: (c: Context<AppEnv>) => Response | Promise<Response> | undefined) {
  return (error: Error, c: Context<AppEnv>): Response | Promise<Response> => {
    if (error instanceof OAuthError) {
      metrics.oauthError(error.code);
      logger.info(
        { req_id: c.get('requestId'), path: c.req.path, error: error.code, reason: error.slug, description: error.description, detail: error.detail },
        'refused',
      );
      return toResponse(errorAnswer(error));
    }
    if (error instanceof HTTPException) return error.getResponse();
    const requestId = c.get('requestId');
    logger.error({ err: error, req_id: requestId, path: c.req.path }, 'unhandled error');
    return page?.(c) ?? toResponse(unexpectedErrorAnswer(requestId));
  };
}
