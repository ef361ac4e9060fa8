// Request bodies are bounded before they are read: a declared length over the route's limit is refused at once
// (413) without reading a byte, and a body of undeclared length is counted as it arrives. When an answer goes out
// before the body was read (a 413, a 415, a 401), the connection is reused only if what is left of the body is
// small enough to discard; otherwise the answer says `Connection: close`, so a pooling client (Claude's are) opens a
// fresh connection instead of sending its next request into a socket about to close.
import type { IncomingMessage } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { RequestTooLarge } from '../errors.js';

/** What an OAuth endpoint (/token, /register, /revoke…) reads of a body, and what a page's form may send. */
export const OAUTH_BODY_LIMIT = 64 * 1024;
export const PAGE_BODY_LIMIT = 16 * 1024;

/** Left unread, a body up to this size is read and discarded after the answer, keeping the connection. */
export const DISCARDABLE_BODY_BYTES = 64 * 1024;

/**
 * Bounds every body by `maxBytesFor(path)`; a route for which it gives undefined reads its body under its own bound
 * (the MCP endpoints, whose guard checks the declared length first too).
 */
export function boundBodies(maxBytesFor: (path: string) => number | undefined): MiddlewareHandler {
  const limits = new Map<number, MiddlewareHandler>();
  const tooLarge = (c: Context, maxBytes: number) => {
    const refusal = new RequestTooLarge(maxBytes);
    return c.json(refusal.toJSON(), refusal.status);
  };
  return (c, next) => {
    const maxBytes = maxBytesFor(c.req.path);
    if (maxBytes === undefined || c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    // A declared length is checked here, without touching the body: on Node, asking the request for its body builds
    // a whole web Request and stream.
    const declared = c.req.header('transfer-encoding') === undefined ? c.req.header('content-length') : undefined;
    if (declared !== undefined) return Number(declared) > maxBytes ? Promise.resolve(tooLarge(c, maxBytes)) : next();
    let limit = limits.get(maxBytes);
    if (!limit) {
      limit = bodyLimit({ maxSize: maxBytes, onError: (c) => tooLarge(c, maxBytes) });
      limits.set(maxBytes, limit);
    }
    return limit(c, next);
  };
}

/** Whether the connection must close after answering `incoming`: a part of its body too large to discard is unread. */
export function closesConnection(incoming: IncomingMessage): boolean {
  if (incoming.complete || incoming.readableEnded) return false;
  if (incoming.headers['transfer-encoding'] !== undefined) return true;
  return Number(incoming.headers['content-length'] ?? 0) > DISCARDABLE_BODY_BYTES;
}
