// Step 9: CORS for browser-based MCP clients (MCP Inspector, web apps). A preflight from https://claude.ai must be
// allowed, and the 401 must expose WWW-Authenticate, or the browser hides the challenge and the client never
// learns where to sign in.
import { CLAUDE_ORIGIN } from './claude.js';
import { fail, pass, skip, type Finding } from './finding.js';
import { fixForUnreachable, reached, type Http } from './http.js';
import { initializeRequest, MCP_POST_HEADERS } from './jsonrpc.js';

export const TITLES = {
  preflight: `CORS preflight from ${CLAUDE_ORIGIN}`,
  expose: '401 exposes WWW-Authenticate to browsers',
};

const REQUESTED_HEADERS = ['authorization', 'content-type', 'mcp-protocol-version'];
const CORS_FIX =
  `answer requests from Origin ${CLAUDE_ORIGIN} (preflights first, before any auth check) with Access-Control-Allow-Origin: ${CLAUDE_ORIGIN}, ` +
  'Access-Control-Allow-Headers: Authorization, Content-Type, MCP-Protocol-Version, Mcp-Session-Id, and Access-Control-Expose-Headers: WWW-Authenticate, Mcp-Session-Id';

const allowsOrigin = (headers: Headers) => {
  const allowed = headers.get('access-control-allow-origin');
  return allowed === '*' || allowed === CLAUDE_ORIGIN;
};

const listed = (header: string | null) =>
  (header ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);

export async function checkPreflight(http: Http, mcpUrl: URL): Promise<Finding> {
  const { preflight: title } = TITLES;
  const reply = await http.request(mcpUrl, {
    method: 'OPTIONS',
    headers: { origin: CLAUDE_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': REQUESTED_HEADERS.join(', ') },
  });
  if (!reached(reply)) return fail('cors.preflight', title, reply.problem, fixForUnreachable(reply));
  if (reply.status < 200 || reply.status >= 300) return fail('cors.preflight', title, `the preflight answered ${reply.status}`, CORS_FIX);
  if (!allowsOrigin(reply.headers)) {
    const allowed = reply.headers.get('access-control-allow-origin');
    return fail('cors.preflight', title, allowed ? `allows origin ${allowed}, not ${CLAUDE_ORIGIN}` : 'no Access-Control-Allow-Origin', CORS_FIX);
  }
  // Fetch standard: a "*" in Allow-Headers covers every header but Authorization, which must be named.
  const allowedHeaders = listed(reply.headers.get('access-control-allow-headers'));
  const missing = REQUESTED_HEADERS.filter((name) => !allowedHeaders.includes(name) && !(name !== 'authorization' && allowedHeaders.includes('*')));
  if (missing.length > 0) return fail('cors.preflight', title, `Access-Control-Allow-Headers does not allow ${missing.join(', ')}`, CORS_FIX);
  return pass('cors.preflight', title, `${reply.status}, allows ${reply.headers.get('access-control-allow-origin')} with ${REQUESTED_HEADERS.join(', ')}`);
}

export async function checkExposedChallenge(http: Http, mcpUrl: URL, serverIsOpen: boolean): Promise<Finding> {
  const { expose: title } = TITLES;
  if (serverIsOpen) return skip('cors.expose', title, 'the server answers without a token: there is no challenge to expose');
  const reply = await http.request(mcpUrl, {
    method: 'POST',
    headers: { ...MCP_POST_HEADERS, origin: CLAUDE_ORIGIN },
    body: JSON.stringify(initializeRequest(1)),
  });
  if (!reached(reply)) return fail('cors.expose', title, reply.problem, fixForUnreachable(reply));
  if (reply.status !== 401) {
    const fix = `treat requests from Origin ${CLAUDE_ORIGIN} like any other (an Origin check must allow the client origins you serve); ${CORS_FIX}`;
    return fail('cors.expose', title, `a POST from Origin ${CLAUDE_ORIGIN} answered ${reply.status}, not 401`, fix);
  }
  if (!allowsOrigin(reply.headers)) {
    return fail('cors.expose', title, 'the 401 carries no Access-Control-Allow-Origin for it: a browser cannot read it at all', CORS_FIX);
  }
  const exposed = listed(reply.headers.get('access-control-expose-headers'));
  if (!exposed.includes('www-authenticate') && !exposed.includes('*')) {
    return fail(
      'cors.expose',
      title,
      `Access-Control-Expose-Headers ${exposed.length ? `is ${exposed.join(', ')}` : 'is missing'}: a browser-based client cannot read the challenge`,
      'add Access-Control-Expose-Headers: WWW-Authenticate, Mcp-Session-Id to responses for browser origins, the 401 included (CORS middleware often skips responses from the auth check)',
    );
  }
  return pass('cors.expose', title, `Access-Control-Expose-Headers: ${reply.headers.get('access-control-expose-headers')}`);
}
