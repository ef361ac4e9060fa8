// The gate in front of each MCP endpoint: browser origin, bearer token, then the scope the JSON-RPC method needs.
// Only a request that passes all three reaches the MCP handler, with the verified caller and the parsed body.
import type { AuthInfo } from '@modelcontextprotocol/server';
import type { Context } from 'hono';
import { readBodyText } from '../http/body.js';
import { mcpResource, type McpPath } from '../protected-resources.js';
import { errorAnswer, OAuthError } from '../errors.js';
import type { TokenVerifier } from './token-verifier.js';
import { insufficientScope, missingToken, refusedToken } from './challenge.js';
import { protectedResourceMetadataUrl } from './metadata.js';
import type { ScopeNames } from './scope-names.js';
import { missingScope } from './scope-policy.js';

export type McpServe = (request: Request, options: { authInfo: AuthInfo; parsedBody?: unknown }) => Promise<Response>;

export interface GuardDeps {
  verifier: TokenVerifier;
  baseUrl: string;
  /** Browser origins allowed to call the endpoint; the server's own origin is always allowed. */
  allowedOrigins: readonly string[];
  maxBodyBytes: number;
  /** The authorization server's names for the MCP scopes (an external server's may differ). */
  scopeNames: ScopeNames;
  /** Told of each refused token (its reason: `missing_token`, `expired`…) and of each verified caller. */
  observe?: {
    refused(reason: string): void;
    verified(c: Context, authInfo: AuthInfo): void;
  };
}

const jsonRpcError = (c: Context, status: 400 | 403 | 413 | 415, code: number, message: string) =>
  c.json({ jsonrpc: '2.0', error: { code, message }, id: null }, status);
const refuse = (c: Context, error: OAuthError) => {
  const { status, headers, body } = errorAnswer(error);
  return c.body(body, status as 401, headers);
};

/** The guard's answer at `mcpPath` to a request without a token: 401, naming the metadata and every scope. */
export function tokenlessRefusal(baseUrl: string, mcpPath: McpPath, scopeNames: ScopeNames): OAuthError {
  return missingToken(protectedResourceMetadataUrl(baseUrl, mcpPath), scopeNames.all().join(' '));
}

export function guardMcpEndpoint(mcpPath: McpPath, deps: GuardDeps, serve: McpServe) {
  const resource = mcpResource(deps.baseUrl, mcpPath);
  const metadataUrl = protectedResourceMetadataUrl(deps.baseUrl, mcpPath);
  const origins = new Set([...deps.allowedOrigins, deps.baseUrl]);
  const allScopes = deps.scopeNames.all().join(' ');
  const withoutToken = tokenlessRefusal(deps.baseUrl, mcpPath, deps.scopeNames);

  return async (c: Context): Promise<Response> => {
    const request = c.req.raw;
    // MCP transport security: a browser page from a foreign origin must not drive this endpoint (DNS rebinding).
    const origin = request.headers.get('origin');
    if (origin !== null && !origins.has(origin)) return jsonRpcError(c, 403, -32000, `origin ${origin} is not allowed`);

    const token = bearerToken(request.headers.get('authorization'));
    if (token === undefined) {
      deps.observe?.refused(withoutToken.slug);
      return refuse(c, withoutToken);
    }
    let authInfo: AuthInfo;
    try {
      authInfo = await deps.verifier.verify(token, resource);
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      deps.observe?.refused(error.slug);
      return refuse(c, refusedToken(error, metadataUrl, allScopes));
    }

    deps.observe?.verified(c, authInfo);
    if (request.method !== 'POST') return serve(request, { authInfo });
    // Streamable HTTP carries JSON-RPC as application/json and nothing else.
    const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') return jsonRpcError(c, 415, -32600, 'Content-Type must be application/json');
    const body = await readBodyText(c, deps.maxBodyBytes);
    if (body.tooLarge) return jsonRpcError(c, 413, -32600, 'request body too large');
    let parsedBody: unknown;
    try {
      parsedBody = JSON.parse(body.text);
    } catch {
      return jsonRpcError(c, 400, -32700, 'parse error: the body is not valid JSON');
    }
    const scope = missingScope(parsedBody, authInfo.scopes);
    if (scope) {
      const refusal = insufficientScope(metadataUrl, deps.scopeNames.forMcp(scope));
      deps.observe?.refused(refusal.slug);
      return refuse(c, refusal);
    }
    return serve(request, { authInfo, parsedBody });
  };
}

/** The token of an `Authorization: Bearer …` header; undefined when there is none (RFC 6750 §2.1). */
function bearerToken(header: string | null): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
  return match ? match[1] : '';
}
