// The authorization request (RFC 6749 §4.1.1 with PKCE, RFC 8707 and OAuth 2.1 rules): validated once at
// /authorize, then carried through login and consent as a short-lived signed token, so no instance has to
// remember it.
import { jwtVerify, SignJWT } from 'jose';
import { canonicalResource, mcpResourceUrls } from '../protected-resources.js';
import type { Client } from '../storage/index.js';
import type { ClientLookup } from './client-registry.js';
import { InvalidClient, InvalidRequest, InvalidTarget, OAuthError, sentTo, UnsupportedResponseType } from '../errors.js';
import type { OAuthParams } from './params.js';
import { isS256Challenge } from './pkce.js';
import { matchesRegisteredRedirect } from './redirect-uri.js';
import { resolveRequestedScopes } from './scopes.js';

export interface AuthorizationRequest {
  clientId: string;
  redirectUri: string;
  state: string | undefined;
  codeChallenge: string;
  scope: string[];
  resource: string;
}

export interface AuthorizationRequestDeps {
  clients: ClientLookup;
  baseUrl: string;
  /** The gateway's upstream servers, each a resource of its own at `/mcp/<name>`. */
  servers?: readonly string[] | undefined;
}

export async function validateAuthorizationRequest(
  params: OAuthParams,
  deps: AuthorizationRequestDeps,
): Promise<{ request: AuthorizationRequest; client: Client }> {
  // Until the client and its redirect URI are verified, a refusal is shown on a page, never sent by redirect.
  if (!params.client_id) throw new InvalidRequest('client_id is required');
  const client = await deps.clients.find(params.client_id);
  if (!client) throw new InvalidClient('this client is not registered here; ask the app to connect again', { reason: 'unknown_client' });
  if (!params.redirect_uri) throw new InvalidRequest('redirect_uri is required');
  if (!matchesRegisteredRedirect(params.redirect_uri, client.metadata.redirect_uris)) {
    throw new InvalidRequest('redirect_uri is not registered for this client', { reason: 'unregistered_redirect_uri' });
  }

  const redirectUri = params.redirect_uri;
  const state = params.state;
  const refuse = (error: OAuthError) => sentTo(error, redirectUri, state);

  if (params.response_type !== 'code') throw refuse(new UnsupportedResponseType('response_type must be code'));
  if (params.code_challenge === undefined) throw refuse(new InvalidRequest('code_challenge is required (PKCE)'));
  if (params.code_challenge_method !== 'S256') throw refuse(new InvalidRequest('code_challenge_method must be S256'));
  if (!isS256Challenge(params.code_challenge)) throw refuse(new InvalidRequest('code_challenge is not a S256 challenge'));

  let scope: string[];
  try {
    scope = resolveRequestedScopes(params.scope, client.metadata.scope);
  } catch (error) {
    throw error instanceof OAuthError ? refuse(error) : error;
  }

  const resource = resolveResource(params.resource, deps.baseUrl, deps.servers);
  if (!resource) throw refuse(new InvalidTarget("resource must be one of this server's MCP endpoints"));

  return { request: { clientId: client.clientId, redirectUri, state, codeChallenge: params.code_challenge, scope, resource }, client };
}

/**
 * RFC 8707: the named resource when it is one of ours. When none is named (Claude sometimes names none), the whole
 * server: the token then works at whichever MCP URL the client was given, the origin or `/mcp`.
 */
export function resolveResource(requested: string | undefined, baseUrl: string, servers: readonly string[] = []): string | undefined {
  const ours = mcpResourceUrls(baseUrl, servers);
  if (requested === undefined) return ours[0];
  const canonical = canonicalResource(requested);
  return canonical !== undefined && ours.includes(canonical) ? canonical : undefined;
}

const TYP = 'gatehouse-authorization-request+jwt';
const LIFETIME = '15m';

export async function sealAuthorizationRequest(request: AuthorizationRequest, key: Uint8Array, issuer: string): Promise<string> {
  return new SignJWT({ req: request })
    .setProtectedHeader({ alg: 'HS256', typ: TYP })
    .setIssuer(issuer)
    .setAudience(issuer)
    .setIssuedAt()
    .setExpirationTime(LIFETIME)
    .sign(key);
}

/** The request sealed at /authorize, or undefined when the token is forged, altered or expired. */
export async function openAuthorizationRequest(token: string | undefined, key: Uint8Array, issuer: string): Promise<AuthorizationRequest | undefined> {
  if (!token) return undefined;
  try {
    const { payload } = await jwtVerify<{ req: AuthorizationRequest }>(token, key, { issuer, audience: issuer, typ: TYP, algorithms: ['HS256'] });
    return payload.req;
  } catch {
    return undefined;
  }
}

/** Appends response parameters to a redirect URI, keeping its own query (RFC 6749 §3.1.2). */
export function redirectWith(redirectUri: string, params: Record<string, string | undefined>): string {
  const url = new URL(redirectUri);
  for (const [key, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(key, value);
  return url.href;
}
