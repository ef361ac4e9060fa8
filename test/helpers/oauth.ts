// Hand-written OAuth client steps, as Claude performs them.
import { createHash, randomBytes } from 'node:crypto';
import { signInAndDecide, type Browser } from './browser.js';
import type { TestGatehouse } from './gatehouse.js';
import { sendMcp } from './mcp-request.js';

export function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export interface RegisteredClient {
  client_id: string;
  client_secret?: string;
  redirect_uris: string[];
}

export async function registerClient(gh: TestGatehouse, body?: object): Promise<RegisteredClient> {
  const response = await gh.register(body);
  if (response.status !== 201) throw new Error(`registration failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as RegisteredClient;
}

export function authorizationUrl(gh: TestGatehouse, client: RegisteredClient, params: Record<string, string | undefined> = {}) {
  const url = new URL('/authorize', gh.baseUrl);
  const all: Record<string, string | undefined> = {
    response_type: 'code',
    client_id: client.client_id,
    redirect_uri: client.redirect_uris[0],
    state: 'state-123',
    scope: 'mcp:tools mcp:resources mcp:prompts',
    resource: gh.mcpUrl,
    ...params,
  };
  for (const [key, value] of Object.entries(all)) if (value !== undefined) url.searchParams.set(key, value);
  return url;
}

export function tokenRequest(gh: TestGatehouse, params: Record<string, string | undefined>, headers: Record<string, string> = {}) {
  const body = new URLSearchParams(Object.entries(params).filter((entry): entry is [string, string] => entry[1] !== undefined));
  return fetch(`${gh.baseUrl}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });
}

/** The authorization_code token request a client sends, authenticating with client_secret_post (or none). */
export const codeExchange = (client: RegisteredClient, code: string, verifier: string) => ({
  grant_type: 'authorization_code',
  code,
  code_verifier: verifier,
  redirect_uri: client.redirect_uris[0],
  client_id: client.client_id,
  client_secret: client.client_secret,
});

export interface Tokens {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  scope: string;
  token_type: string;
}

/** Registers (unless given a client), authorizes as a user and exchanges the code: Claude's whole OAuth dance. */
export async function obtainTokens(
  gh: TestGatehouse,
  options: { client?: RegisteredClient; scope?: string; resource?: string; username?: string; password?: string; browser?: Browser } = {},
): Promise<{ tokens: Tokens; client: RegisteredClient }> {
  const client = options.client ?? (await registerClient(gh));
  const { verifier, challenge } = pkce();
  const url = authorizationUrl(gh, client, {
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...(options.scope && { scope: options.scope }),
    ...(options.resource && { resource: options.resource }),
  });
  const redirect = await signInAndDecide(url, options);
  const code = redirect.searchParams.get('code');
  if (!code) throw new Error(`no code in ${redirect}`);
  const response = await tokenRequest(gh, codeExchange(client, code, verifier));
  if (response.status !== 200) throw new Error(`token exchange failed: ${response.status} ${await response.text()}`);
  return { tokens: (await response.json()) as Tokens, client };
}

/** A JSON-RPC POST to an MCP endpoint, as a 2025-era client sends it. */
export function mcpPost(url: string, body: unknown, token?: string, headers: Record<string, string> = {}) {
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...(token && { authorization: `Bearer ${token}` }),
      ...headers,
    },
    body: JSON.stringify(body),
  });
}

/** Reads a JSON-RPC answer whether it came as JSON or as a one-message SSE stream. */
export async function jsonRpcResult(response: Response): Promise<any> {
  const text = await response.text();
  if ((response.headers.get('content-type') ?? '').includes('text/event-stream')) {
    const data = text
      .split('\n')
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(5).trim())
      .filter(Boolean);
    return JSON.parse(data[data.length - 1]!);
  }
  return JSON.parse(text);
}

export { MODERN_ENVELOPE } from './mcp-request.js';

/** A 2026-07-28 tools/call with a bearer token, as any client sends it; `signal` lets a test hang up mid-call. */
export function callTool(mcpUrl: string, token: string, name: string, args: Record<string, unknown> = {}, signal?: AbortSignal) {
  return sendMcp(mcpUrl, { era: '2026-07-28', method: 'tools/call', params: { name, arguments: args }, token, ...(signal && { signal }) });
}
