// An MCP request the guard let through, as the MCP endpoint receives it: the contract between resource/ (which
// admits requests) and mcp/ (which serves them), whichever server the request came in on.
import type { AuthInfo } from '@modelcontextprotocol/server';
import type { HttpAnswer } from './http/answer.js';
import type { RequestHead } from './http/request-head.js';

export interface McpCall {
  head: RequestHead;
  /** The verified caller (src/caller.ts reads it). */
  authInfo: AuthInfo;
  /** The JSON-RPC body of a POST. */
  parsedBody?: unknown;
  /** Fires when the client goes away before the answer. */
  signal: AbortSignal;
  /** The same request as a Web Request, for the SDK's own handler; its body is parsedBody. */
  webRequest(): Request;
}

/** Serves an admitted request. */
export type McpServe = (call: McpCall) => Promise<HttpAnswer | Response>;
