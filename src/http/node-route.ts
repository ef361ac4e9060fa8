// A route served on Node's own request and response, ahead of the app: the MCP endpoints' POSTs (the MCP door) and
// the calls other instances forward here. Building a Web Request and Response for each would cost more than these
// requests do; such a route adds what the app's middleware adds to every answer (the security headers, a request
// id) and leaves the same log line.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestLine } from './request-line.js';

export interface NodeRouteDeps {
  /** The headers the app sets on every answer. */
  securityHeaders: ReadonlyArray<readonly [string, string]>;
  /** Logs and counts a request, as the app does for its own. */
  record(line: RequestLine): void;
}

/** Serves a request and returns true when it is one for the route; returns false, untouched, for anything else. */
export type NodeRoute = (request: IncomingMessage, response: ServerResponse) => boolean;

/** The path of a request's URL, without its query. */
export function pathOf(request: IncomingMessage): string {
  const url = request.url ?? '';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}
