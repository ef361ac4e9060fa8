// Step 2: the first thing Claude does is POST `initialize` without a token. An OAuth-protected server must answer
// 401 with a Bearer challenge naming its protected-resource metadata (RFC 9728 §5.1); that is how Claude learns
// where to sign the user in.
import { CLAUDE_EGRESS } from './claude.js';
import { fail, pass, warn, type Finding } from './finding.js';
import { excerpt, fixForUnreachable, reached, redirectTarget, type Http } from './http.js';
import { initializeRequest, MCP_POST_HEADERS } from './jsonrpc.js';
import { pathInsertedMetadataUrl } from './resource-metadata.js';
import { bearerChallenge } from './www-authenticate.js';

export const CHALLENGE_TITLE = 'Unauthenticated POST answers 401 with a Bearer challenge';

export interface ChallengeResult {
  finding: Finding;
  /** protected: 401 as expected; open: answered without a token; broken: some other answer; unreachable: none. */
  state: 'protected' | 'open' | 'broken' | 'unreachable';
  resourceMetadata?: URL;
  scope?: string;
}

/** `url` when an unauthenticated POST there is answered with a Bearer challenge (MCP served there); else undefined. */
async function elsewhere(http: Http, url: URL): Promise<URL | undefined> {
  const reply = await http.request(url, { method: 'POST', headers: MCP_POST_HEADERS, body: JSON.stringify(initializeRequest(1)) });
  return reached(reply) && reply.status === 401 && bearerChallenge(reply.headers.get('www-authenticate')) ? url : undefined;
}

export async function checkChallenge(http: Http, mcpUrl: URL): Promise<ChallengeResult> {
  const id = 'mcp.challenge';
  const title = CHALLENGE_TITLE;
  const expected = pathInsertedMetadataUrl(mcpUrl).href;
  const challengeFix = `answer every request without a valid token with 401 and WWW-Authenticate: Bearer resource_metadata="${expected}"`;
  const reply = await http.request(mcpUrl, { method: 'POST', headers: MCP_POST_HEADERS, body: JSON.stringify(initializeRequest(1)) });
  if (!reached(reply)) return { state: 'unreachable', finding: fail(id, title, reply.problem, fixForUnreachable(reply)) };

  const { status } = reply;
  const said = excerpt(reply.body, 120);
  const broken = (detail: string, fix: string): ChallengeResult => ({ state: 'broken', finding: fail(id, title, detail, fix) });

  if ((status === 404 || status === 405 || (status === 200 && /^\s*</.test(reply.body))) && mcpUrl.pathname === '/') {
    // The bare origin, as Claude's set-up step invites people to enter it: is MCP served at /mcp instead?
    const atMcp = await elsewhere(http, new URL('/mcp', mcpUrl));
    if (atMcp)
      return broken(
        `${status} at the origin: nothing serves MCP at ${mcpUrl.href}, but ${atMcp.href} answers with a Bearer challenge`,
        `give Claude ${atMcp.href}, or serve MCP at the origin too (POST /), as people enter the bare origin`,
      );
  }
  if (status >= 200 && status < 300) {
    return {
      state: 'open',
      finding: warn(
        id,
        title,
        `answered initialize with ${status} without a token: Claude will connect without signing anyone in`,
        `if the server should be private, ${challengeFix}`,
      ),
    };
  }
  if (status === 401) {
    const header = reply.headers.get('www-authenticate');
    if (!header) return broken('401 without a WWW-Authenticate header: Claude cannot find the authorization server from it', challengeFix);
    const bearer = bearerChallenge(header);
    if (!bearer) return broken(`401 with a challenge that is not Bearer: ${header}`, challengeFix);
    const scope = bearer.params.scope || undefined;
    const named = bearer.params.resource_metadata;
    if (!named) {
      return {
        state: 'protected',
        ...(scope && { scope }),
        finding: warn(
          id,
          title,
          `401 with ${header}, but no resource_metadata: clients fall back to the well-known URL, though the 2025-06-18 revision requires it`,
          `add resource_metadata="${expected}" to the Bearer challenge`,
        ),
      };
    }
    let resourceMetadata: URL;
    try {
      resourceMetadata = new URL(named);
    } catch {
      return broken(`401, but resource_metadata is not a URL: ${named}`, challengeFix);
    }
    return { state: 'protected', resourceMetadata, ...(scope && { scope }), finding: pass(id, title, `401 with ${header}`) };
  }
  const target = redirectTarget(reply);
  if (target) {
    return broken(
      `${status} redirect to ${target.href}: a POST does not survive redirects reliably`,
      `give Claude the final URL, ${target.href}, or serve MCP at ${mcpUrl.href} without redirecting`,
    );
  }
  switch (status) {
    case 403:
      return broken(
        `403 before any token was offered${said && `: ${said}`} (a firewall, WAF or IP allowlist in front?)`,
        `${challengeFix}; if an allowlist guards the server, allow Claude's egress range ${CLAUDE_EGRESS}`,
      );
    case 404:
      return broken(`404: nothing at ${mcpUrl.pathname}`, 'check the path: give Claude the exact URL of the Streamable HTTP endpoint (often ending in /mcp)');
    case 405:
      return broken(
        '405: POST is not allowed here (an SSE-only endpoint of the 2024-11-05 revision?)',
        `serve MCP Streamable HTTP at ${mcpUrl.href}: requests arrive as POSTs`,
      );
    case 406:
      return broken(`406: refused Accept: ${MCP_POST_HEADERS.accept}`, 'accept that Accept header exactly as sent; a strict 406 on Accept breaks Claude');
    case 415:
      return broken('415: refused Content-Type: application/json', 'accept JSON-RPC bodies with Content-Type: application/json');
  }
  if (status >= 500) return broken(`${status} server error${said && `: ${said}`}`, `look at the server's logs; ${challengeFix}`);
  return broken(`${status} to an unauthenticated initialize${said && `: ${said}`}`, `${challengeFix}, before looking at the body`);
}
