// Step 8: the authorization endpoint, asked exactly what Claude asks when it opens the sign-in window. A sign-in
// page (or a redirect to one) means the user can go on; an error, or Claude's callback carrying `error=`, means
// the connection fails there, usually with an unhelpful message in Claude.
import { createHash, randomBytes } from 'node:crypto';
import { CLAUDE_CALLBACK, CLAUDE_CIMD_CLIENT_ID } from './claude.js';
import { fail, pass, type Finding } from './finding.js';
import { excerpt, fixForUnreachable, jsonObject, oauthError, reached, redirectTarget, type Http } from './http.js';

export const AUTHORIZE_TITLE = "Authorization endpoint accepts Claude's request";

export interface AuthorizationRequest {
  endpoint: string;
  clientId: string;
  scope: string | undefined;
  resource: string;
}

export function authorizationUrl(request: AuthorizationRequest): URL {
  const url = new URL(request.endpoint);
  const verifier = randomBytes(32).toString('base64url');
  const params: Record<string, string | undefined> = {
    response_type: 'code',
    client_id: request.clientId,
    redirect_uri: CLAUDE_CALLBACK,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    state: randomBytes(16).toString('base64url'),
    scope: request.scope,
    resource: request.resource,
  };
  for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(name, value);
  return url;
}

export async function checkAuthorization(http: Http, request: AuthorizationRequest): Promise<Finding> {
  const id = 'authorize';
  const title = AUTHORIZE_TITLE;
  let start: URL;
  try {
    start = authorizationUrl(request);
  } catch {
    return fail(id, title, `authorization_endpoint is not a URL: ${request.endpoint}`, 'advertise the absolute URL of the authorization endpoint');
  }
  const asked = `client_id ${request.clientId}, redirect_uri ${CLAUDE_CALLBACK}, PKCE S256, ${request.scope ? `scope "${request.scope}", ` : ''}resource ${request.resource}`;
  const outcome = await http.get(start, { accept: 'text/html' });
  if (!reached(outcome)) return fail(id, title, outcome.problem, fixForUnreachable(outcome));
  const via = outcome.redirects.length ? ` after redirecting to ${outcome.redirects.map((url) => url.pathname).join(', ')}` : '';

  if (outcome.status >= 200 && outcome.status < 300) return pass(id, title, `${outcome.status}, a page for the user${via}`);
  const target = redirectTarget(outcome);
  if (target) {
    if (`${target.origin}${target.pathname}` === CLAUDE_CALLBACK) {
      const error = target.searchParams.get('error');
      if (!error) return pass(id, title, `sends Claude straight back with ${target.searchParams.has('code') ? 'a code' : 'no error'}${via}`);
      const description = target.searchParams.get('error_description');
      return fail(id, title, `sends Claude back with error=${error}${description ? `: ${description}` : ''}`, fixForRefusal(error, request, asked));
    }
    if (target.origin !== start.origin) return pass(id, title, `hands sign-in to ${target.origin}${via}`);
    return pass(id, title, `keeps redirecting on ${start.origin} (${target.pathname})`);
  }
  const body = jsonObject(outcome.body);
  const said = (body && oauthError(body)) ?? excerpt(outcome.body);
  return fail(id, title, `${outcome.status}${via}${said && `: ${said}`}`, fixForRefusal(typeof body?.error === 'string' ? body.error : '', request, asked));
}

function fixForRefusal(error: string, request: AuthorizationRequest, asked: string): string {
  switch (error) {
    case 'invalid_client':
    case 'unauthorized_client':
      return request.clientId === CLAUDE_CIMD_CLIENT_ID
        ? `accept ${CLAUDE_CIMD_CLIENT_ID} as a client id (fetch or pin its metadata document), or stop advertising client_id_metadata_document_supported`
        : `let the client registered a moment ago authorize with redirect URI ${CLAUDE_CALLBACK}`;
    case 'invalid_scope':
      return `accept the scopes Claude asks for ("${request.scope ?? ''}"): the challenge's scope, or else every scopes_supported value`;
    case 'invalid_target':
      return `accept resource=${request.resource} (RFC 8707): the MCP URL exactly as Claude has it`;
    default:
      return `accept Claude's authorization request (${asked}); common causes: the redirect URI is not allowed, the resource parameter is refused, the client id is unknown`;
  }
}
