// What the MCP endpoint reads of a request before its body: the method and the headers, from a Web Request (the
// app's path) or from Node's own IncomingMessage (the MCP door's) alike, so that each decision is written once.
import type { IncomingMessage } from 'node:http';

export interface RequestHead {
  readonly method: string;
  /** A header's value (lower-case name), repeated headers joined with ", "; undefined when absent. */
  header(name: string): string | undefined;
}

export const headOfRequest = (request: Request): RequestHead => ({
  method: request.method,
  header: (name) => request.headers.get(name) ?? undefined,
});

// Node joins repeated headers with ", " already, save set-cookie, which no request here reads.
export const headOfIncoming = (incoming: IncomingMessage): RequestHead => ({
  method: incoming.method ?? 'GET',
  header: (name) => incoming.headers[name] as string | undefined,
});

/** `head` with some headers replaced (the values a tolerated client quirk stands for). */
export function withHeaders(head: RequestHead, replaced: ReadonlyMap<string, string>): RequestHead {
  if (replaced.size === 0) return head;
  return { method: head.method, header: (name) => replaced.get(name) ?? head.header(name) };
}
