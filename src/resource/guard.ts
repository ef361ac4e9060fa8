// The gate in front of each MCP endpoint: browser origin, bearer token, then the scope the JSON-RPC method needs.
// Only a request that passes all three reaches the MCP endpoint, with the verified caller and the parsed body. The
// gate reads a request head and a bounded body, whichever server they come from: the app's route below and the
// MCP door (mcp-door.ts) both admit requests through it.
import type { AuthInfo } from '@modelcontextprotocol/server';
import type { Context } from 'hono';
import { callerFromAuthInfo } from '../caller.js';
import { errorAnswer, OAuthError } from '../errors.js';
import { jsonAnswer, toResponse, type HttpAnswer } from '../http/answer.js';
import { readBodyText, type BodyText } from '../http/body.js';
import { headOfRequest, type RequestHead } from '../http/request-head.js';
import type { McpCall, McpServe } from '../mcp-call.js';
import { mcpResource, type McpPath } from '../protected-resources.js';
import { insufficientScope, missingToken, refusedToken } from './challenge.js';
import { protectedResourceMetadataUrl } from './metadata.js';
import type { ScopeNames } from './scope-names.js';
import { missingScope } from './scope-policy.js';
import type { TokenVerifier } from './token-verifier.js';

export interface GuardDeps {
  verifier: TokenVerifier;
  baseUrl: string;
  /** Browser origins allowed to call the endpoint; the server's own origin is always allowed. */
  allowedOrigins: readonly string[];
  maxBodyBytes: number;
  /** The authorization server's names for the MCP scopes (an external server's may differ). */
  scopeNames: ScopeNames;
  /** Told of each refused token, by its reason: `missing_token`, `expired`… */
  onRefused?: (reason: string) => void;
}

export type Admission = { admitted: Pick<McpCall, 'authInfo' | 'parsedBody'> } | { refused: HttpAnswer };

/** Admits or refuses a request to one MCP endpoint, from its head and its body (read only once the token is good). */
export type McpGate = (head: RequestHead, readBody: (maxBytes: number) => Promise<BodyText>) => Promise<Admission>;

const jsonRpcError = (status: number, code: number, message: string): Admission => ({
  refused: jsonAnswer(status, { jsonrpc: '2.0', error: { code, message }, id: null }),
});

export function mcpGate(mcpPath: McpPath, deps: GuardDeps): McpGate {
  const resource = mcpResource(deps.baseUrl, mcpPath);
  const metadataUrl = protectedResourceMetadataUrl(deps.baseUrl, mcpPath);
  const origins = new Set([...deps.allowedOrigins, deps.baseUrl]);
  const allScopes = deps.scopeNames.all().join(' ');
  // The answer to the cheapest request to send, and the likeliest to come in floods, made once.
  const withoutToken: Admission = { refused: Object.freeze(errorAnswer(missingToken(metadataUrl, allScopes))) };
  const refuse = (error: OAuthError): Admission => {
    deps.onRefused?.(error.slug);
    return { refused: errorAnswer(error) };
  };

  return async (head, readBody) => {
    // MCP transport security: a browser page from a foreign origin must not drive this endpoint (DNS rebinding).
    const origin = head.header('origin');
    if (origin !== undefined && !origins.has(origin)) return jsonRpcError(403, -32000, `origin ${origin} is not allowed`);

    const token = bearerToken(head.header('authorization'));
    if (token === undefined) {
      deps.onRefused?.('missing_token');
      return withoutToken;
    }
    let authInfo: AuthInfo;
    try {
      authInfo = await deps.verifier.verify(token, resource);
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      return refuse(refusedToken(error, metadataUrl, allScopes));
    }

    if (head.method !== 'POST') return { admitted: { authInfo } };
    // Streamable HTTP carries JSON-RPC as application/json and nothing else.
    const type = (head.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') return jsonRpcError(415, -32600, 'Content-Type must be application/json');
    const body = await readBody(deps.maxBodyBytes);
    if (body.tooLarge) return jsonRpcError(413, -32600, 'request body too large');
    let parsedBody: unknown;
    try {
      parsedBody = JSON.parse(body.text);
    } catch {
      return jsonRpcError(400, -32700, 'parse error: the body is not valid JSON');
    }
    const scope = missingScope(parsedBody, authInfo.scopes);
    if (scope) return refuse(insufficientScope(metadataUrl, deps.scopeNames.forMcp(scope)));
    return { admitted: { authInfo, parsedBody } };
  };
}

/** The app's route for one MCP endpoint: its gate, then `serve`. */
export function guardMcpEndpoint(admit: McpGate, serve: McpServe) {
  return async (c: Context): Promise<Response> => {
    const request = c.req.raw;
    const head = headOfRequest(request);
    const admission = await admit(head, (maxBytes) => readBodyText(c, maxBytes));
    if ('refused' in admission) return toResponse(admission.refused);
    const { authInfo, parsedBody } = admission.admitted;
    // For the request log.
    c.set('clientId', authInfo.clientId);
    c.set('userId', callerFromAuthInfo(authInfo).user.id);
    return toResponse(await serve({ head, authInfo, parsedBody, signal: request.signal, webRequest: () => request }));
  };
}

/** The token of an `Authorization: Bearer …` header; undefined when there is none (RFC 6750 §2.1). */
function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
  return match ? match[1] : '';
}
