// Step 11, with a token: Claude's requests as its connector really sends them in the second half of 2026 (DESIGN.md,
// "What real clients do"), which disagree with the spec's letter in ways a strict server refuses. When one is
// refused, Claude still shows the connector as connected, and then nothing works: this is the check operators need
// when Claude "connects but every tool call fails".
import { LEGACY_PROTOCOL_VERSION, MODERN_PROTOCOL_VERSION } from './claude.js';
import { fail, pass, skip, type Finding } from './finding.js';
import { excerpt, readBounded, type Http } from './http.js';
import { initializeRequest, MCP_POST_HEADERS, modernRequest } from './jsonrpc.js';
import { attempt, callMcp, McpCallFailure, type EraResult } from './protocol-eras.js';

interface Pattern {
  id: string;
  title: string;
  /** Which era the server must serve at all for the pattern to mean something. */
  era: '2025' | '2026';
  /** Sends Claude's requests; resolves with a one-line account of the answer. */
  send(http: Http, mcpUrl: URL, auth: Record<string, string>): Promise<string>;
  /** What a Claude user sees when the server refuses it, and the public thread where it was reported. */
  consequence: string;
  fix: string;
}

const listed = (message: { result?: Record<string, unknown> }) =>
  `answered with ${Array.isArray(message.result?.tools) ? message.result.tools.length : 'no'} tools`;

const PATTERNS: Pattern[] = [
  {
    id: 'claude.discover',
    title: 'Claude opens with server/discover, without MCP-Protocol-Version or Mcp-Method',
    era: '2026',
    async send(http, mcpUrl, auth) {
      const { message } = await callMcp(http, mcpUrl, { ...MCP_POST_HEADERS, ...auth }, modernRequest(1, 'server/discover'), 'server/discover');
      return `answered with protocol versions ${JSON.stringify(message.result?.supportedVersions ?? [])}`;
    },
    consequence:
      'Claude opens every connection with this request; refused, it cannot negotiate 2026-07-28 and shows "Couldn\'t connect" (hauptsacheNet/typo3-mcp-server#110)',
    fix: 'serve a request whose body carries a 2026-07-28 _meta envelope as 2026-07-28, taking the version and method from the body when the headers are missing',
  },
  {
    id: 'claude.version-header',
    title: `A ${MODERN_PROTOCOL_VERSION} request with MCP-Protocol-Version: 2025-11-25`,
    era: '2026',
    async send(http, mcpUrl, auth) {
      const headers = { ...MCP_POST_HEADERS, ...auth, 'mcp-protocol-version': '2025-11-25', 'mcp-method': 'tools/list' };
      return listed((await callMcp(http, mcpUrl, headers, modernRequest(1, 'tools/list'), 'tools/list')).message);
    },
    consequence:
      'Claude will show the connector as connected, but every tool call will fail: your server rejects a version header that disagrees with the body (anthropics/claude-code#93290)',
    fix: 'serve a request whose body carries a 2026-07-28 _meta envelope as 2026-07-28 whatever MCP-Protocol-Version says; refuse only an Mcp-Method or Mcp-Name that names something else',
  },
  {
    id: 'claude.legacy-header',
    title: `After initialize, a 2025-era request with MCP-Protocol-Version: ${MODERN_PROTOCOL_VERSION}`,
    era: '2025',
    async send(http, mcpUrl, auth) {
      const initialized = await callMcp(http, mcpUrl, { ...MCP_POST_HEADERS, ...auth }, initializeRequest(1), 'initialize');
      const session = initialized.response.headers.get('mcp-session-id');
      const headers = { ...MCP_POST_HEADERS, ...auth, 'mcp-protocol-version': MODERN_PROTOCOL_VERSION, ...(session && { 'mcp-session-id': session }) };
      try {
        return listed((await callMcp(http, mcpUrl, headers, { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} }, 'tools/list')).message);
      } finally {
        if (session)
          await http.request(mcpUrl, { method: 'DELETE', headers: { ...auth, 'mcp-session-id': session, 'mcp-protocol-version': LEGACY_PROTOCOL_VERSION } });
      }
    },
    consequence:
      'Claude will connect, but every request after initialize will fail: your server rejects its newest version in the header of a 2025-era request (CodeWithCJ/SparkyFitness#2155)',
    fix: 'when the body carries no 2026-07-28 envelope, treat a version header your 2025 transport does not know as its newest 2025 revision',
  },
  {
    id: 'claude.no-session-id',
    title: 'After initialize, requests without the Mcp-Session-Id the server issued',
    era: '2025',
    async send(http, mcpUrl, auth) {
      const initialized = await callMcp(http, mcpUrl, { ...MCP_POST_HEADERS, ...auth }, initializeRequest(1), 'initialize');
      const session = initialized.response.headers.get('mcp-session-id');
      if (!session) return 'no session issued: every request stands on its own';
      const headers = { ...MCP_POST_HEADERS, ...auth, 'mcp-protocol-version': String(initialized.message.result?.protocolVersion ?? LEGACY_PROTOCOL_VERSION) };
      try {
        return listed((await callMcp(http, mcpUrl, headers, { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} }, 'tools/list')).message);
      } finally {
        await http.request(mcpUrl, { method: 'DELETE', headers: { ...auth, 'mcp-session-id': session, ...headers } });
      }
    },
    consequence:
      'Claude never sends back the Mcp-Session-Id a server issues, and its requests come from many machines: users see "Your account was authorized, but the server returned an error when connecting" (anthropics/claude-ai-mcp#975)',
    fix: 'serve the 2025 era without requiring a session (stateless), or accept requests that carry no Mcp-Session-Id',
  },
  {
    id: 'claude.no-version-header',
    title: `A ${MODERN_PROTOCOL_VERSION} request without MCP-Protocol-Version`,
    era: '2026',
    async send(http, mcpUrl, auth) {
      const headers = { ...MCP_POST_HEADERS, ...auth, 'mcp-method': 'tools/list' };
      return listed((await callMcp(http, mcpUrl, headers, modernRequest(1, 'tools/list'), 'tools/list')).message);
    },
    consequence: 'Claude sometimes sends no version header; those of its calls will fail, and tools can vanish mid-conversation (anthropics/claude-ai-mcp#70)',
    fix: "take the protocol version from the body's _meta envelope when the MCP-Protocol-Version header is missing",
  },
  {
    id: 'claude.no-method-header',
    title: `A ${MODERN_PROTOCOL_VERSION} tools/call without Mcp-Method and Mcp-Name`,
    era: '2026',
    async send(http, mcpUrl, auth) {
      const headers = { ...MCP_POST_HEADERS, ...auth, 'mcp-protocol-version': MODERN_PROTOCOL_VERSION };
      // A tool no server has: an answer (even "unknown tool") proves the request got past the header checks.
      const body = modernRequest(1, 'tools/call', { name: 'gatehouse_doctor_probe', arguments: {} });
      const response = await http.send(mcpUrl, { method: 'POST', headers, body: JSON.stringify(body) });
      const text = await readBounded(response);
      if (response.status === 401 || response.status === 403) throw new McpCallFailure(`tools/call answered ${response.status}: the token was refused`, true);
      if (response.status >= 400) throw new McpCallFailure(`tools/call answered ${response.status}: ${excerpt(text, 160)}`);
      return `answered ${response.status}, past the header checks`;
    },
    consequence: 'Claude may leave these headers out; those of its tool calls will fail (anthropics/claude-ai-mcp#1044)',
    fix: 'take Mcp-Method and Mcp-Name from the body when they are missing; refuse only headers that name another method or tool than the body',
  },
];

export const PATTERN_IDS = PATTERNS.map((pattern) => pattern.id);

/**
 * `eras` says which protocol eras the server serves at all (the mcp.2025 and mcp.2026 checks): a pattern of an era
 * the server does not speak is skipped, since that finding is already made.
 */
export async function checkClaudePatterns(http: Http, mcpUrl: URL, token: string | undefined, eras: { legacy: boolean; modern: boolean }): Promise<Finding[]> {
  const auth: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const findings: Finding[] = [];
  for (const pattern of PATTERNS) {
    const served = pattern.era === '2025' ? eras.legacy : eras.modern;
    if (!served) {
      findings.push(
        skip(
          pattern.id,
          pattern.title,
          `skipped: the server does not serve the ${pattern.era === '2025' ? '2025' : MODERN_PROTOCOL_VERSION} era at all (see above)`,
        ),
      );
      continue;
    }
    const result: EraResult = await attempt(http, mcpUrl, () => pattern.send(http, mcpUrl, auth));
    findings.push(
      result.ok ? pass(pattern.id, pattern.title, result.detail) : fail(pattern.id, pattern.title, `${result.detail}. ${pattern.consequence}`, pattern.fix),
    );
  }
  return findings;
}

export const skippedPatterns = (reason: string): Finding[] => PATTERNS.map((pattern) => skip(pattern.id, pattern.title, reason));
