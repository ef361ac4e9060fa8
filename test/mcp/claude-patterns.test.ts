// What Claude's connector really sends in the second half of 2026 (DESIGN.md, "What real clients do"), over real
// HTTP at /mcp and at the bare origin: each pattern is served as its body means, and counted; with
// MCP_STRICT_HEADERS=true each is refused again, as the spec's letter says. A header that contradicts the body is
// refused in both modes.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { jsonRpcResult, MODERN_ENVELOPE, obtainTokens } from '../helpers/oauth.js';

type Headers = Record<string, string>;
interface Answer {
  status: number;
  message: any;
}

const modern = (method: string, params: object = {}) => ({ jsonrpc: '2.0', id: 1, method, params: { ...params, _meta: MODERN_ENVELOPE } });
const legacy = (method: string, params: object = {}) => ({ jsonrpc: '2.0', id: 1, method, params });
const whoami = { name: 'whoami', arguments: {} };

/** A POST from `localAddress` (Claude's requests of one connection come from many addresses), read as JSON-RPC. */
function post(url: string, token: string | undefined, body: object, headers: Headers, localAddress = '127.0.0.1'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: 'POST',
        localAddress,
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'user-agent': 'Claude-User',
          ...(token && { authorization: `Bearer ${token}` }),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', async () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const response = new Response(text, { status: res.statusCode!, headers: { 'content-type': String(res.headers['content-type'] ?? '') } });
          resolve({ status: res.statusCode!, message: text ? await jsonRpcResult(response) : undefined });
        });
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

interface Pattern {
  name: string;
  /** The quirks the pattern shows. */
  quirks: string[];
  /** Claude's requests, in order; the last one's answer is checked. */
  send(url: string, token: string): Promise<Answer>;
  /** What a successful answer holds. */
  check(message: any): void;
  /** The error a spec-strict server gives the last request. */
  strictError: number;
}

const calledWhoami = (message: any) => assert.equal(message.result.structuredContent.username, 'admin');

const PATTERNS: Pattern[] = [
  {
    name: '1. server/discover with its envelope, before it knows the version and without Mcp-Method',
    quirks: ['version-header-missing', 'method-header-missing'],
    send: (url, token) => post(url, token, modern('server/discover'), {}),
    check: (message) => assert.ok(message.result.supportedVersions.includes('2026-07-28')),
    strictError: -32020,
  },
  {
    name: '2. a 2026-07-28 envelope with MCP-Protocol-Version: 2025-11-25 (claude-code #93290)',
    quirks: ['version-header-differs-from-envelope'],
    async send(url, token) {
      const listed = await post(url, token, modern('tools/list'), { 'mcp-protocol-version': '2025-11-25', 'mcp-method': 'tools/list' });
      if (listed.status === 200) assert.ok(listed.message.result.tools.length > 0, 'tools/list is served');
      return post(url, token, modern('tools/call', whoami), { 'mcp-protocol-version': '2025-11-25', 'mcp-method': 'tools/call', 'mcp-name': 'whoami' });
    },
    check: calledWhoami,
    strictError: -32020,
  },
  {
    name: '3. after initialize, 2025-era requests with MCP-Protocol-Version: 2026-07-28 (SparkyFitness #2155)',
    quirks: ['version-header-unknown-to-2025-era'],
    async send(url, token) {
      const init = await post(
        url,
        token,
        legacy('initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'claude-ai', version: '0.1.0' } }),
        {},
      );
      assert.equal(init.message.result.protocolVersion, '2025-11-25');
      const listed = await post(url, token, legacy('tools/list'), { 'mcp-protocol-version': '2026-07-28' });
      if (listed.status === 200) assert.ok(listed.message.result.tools.length > 0, 'tools/list is served');
      return post(url, token, legacy('tools/call', whoami), { 'mcp-protocol-version': '2026-07-28' });
    },
    check: calledWhoami,
    strictError: -32602,
  },
  {
    name: '4. a 2026-07-28 request without MCP-Protocol-Version (claude-ai-mcp #70)',
    quirks: ['version-header-missing'],
    send: (url, token) => post(url, token, modern('tools/call', whoami), { 'mcp-method': 'tools/call', 'mcp-name': 'whoami' }),
    check: calledWhoami,
    strictError: -32020,
  },
  {
    name: '5. without Mcp-Method and Mcp-Name, each request from another address, no session id',
    quirks: ['method-header-missing', 'name-header-missing'],
    async send(url, token) {
      const headers = { 'mcp-protocol-version': '2026-07-28' };
      const listed = await post(url, token, modern('tools/list'), headers, '127.0.0.2');
      if (listed.status === 200) assert.ok(listed.message.result.tools.length > 0, 'tools/list is served');
      return post(url, token, modern('tools/call', whoami), headers, '127.0.0.3');
    },
    check: calledWhoami,
    strictError: -32020,
  },
];

for (const strict of [false, true]) {
  describe(`Claude's 2026 requests${strict ? ', refused with MCP_STRICT_HEADERS=true' : ''}`, () => {
    let gh: TestGatehouse;
    /** A token for the whole server (the origin), as Claude gets when it connects to the bare origin. */
    let token: string;

    before(async () => {
      gh = await startGatehouse(strict ? { MCP_STRICT_HEADERS: 'true' } : {});
      ({ access_token: token } = (await obtainTokens(gh, { resource: gh.baseUrl })).tokens);
    });
    after(() => gh.close());

    for (const pattern of PATTERNS) {
      for (const path of ['/mcp', '/']) {
        it(`${pattern.name}, at ${path}`, async () => {
          const url = gh.baseUrl + path;
          if (pattern.name.startsWith('1.')) {
            const unauthenticated = await post(url, undefined, modern('server/discover'), {});
            assert.equal(unauthenticated.status, 401, 'without a token, Claude is told where to sign in');
          }
          const answer = await pattern.send(url, token);
          if (strict) {
            assert.equal(answer.status, 400);
            assert.equal(answer.message.error.code, pattern.strictError);
          } else {
            assert.equal(answer.status, 200, JSON.stringify(answer.message));
            pattern.check(answer.message);
          }
        });
      }
    }

    it(strict ? 'counts no quirk' : 'counts each quirk it tolerated in /metrics', async () => {
      const metrics = await (await gh.fetch('/metrics')).text();
      for (const quirk of new Set(PATTERNS.flatMap((pattern) => pattern.quirks))) {
        const count = Number(new RegExp(`gatehouse_mcp_client_quirks_total\\{quirk="${quirk}"\\} (\\d+)`).exec(metrics)?.[1]);
        if (strict) assert.equal(count, 0, quirk);
        else assert.ok(count > 0, `${quirk} counted`);
      }
    });

    it('serves a 2025-era request without any version header, as the spec allows', async () => {
      const answer = await post(`${gh.baseUrl}/mcp`, token, legacy('tools/call', whoami), {});
      assert.equal(answer.status, 200);
      calledWhoami(answer.message);
    });

    it('refuses an Mcp-Method or Mcp-Name that names something else than the body, with -32020', async () => {
      const url = `${gh.baseUrl}/mcp`;
      const headers = { 'mcp-protocol-version': '2026-07-28' };
      for (const [body, contradiction] of [
        [modern('tools/call', whoami), { 'mcp-method': 'tools/list', 'mcp-name': 'whoami' }],
        [modern('tools/call', whoami), { 'mcp-method': 'tools/call', 'mcp-name': 'notes_delete' }],
        [modern('tools/call', whoami), { 'mcp-method': 'tools/call', 'mcp-name': '=?base64?bm90ZXNfZGVsZXRl?=' }],
        [legacy('tools/call', whoami), { 'mcp-method': 'tools/list' }],
      ] as const) {
        for (const withVersion of [true, false]) {
          const answer = await post(url, token, body, { ...(withVersion && headers), ...contradiction });
          assert.equal(answer.status, 400, JSON.stringify(contradiction));
          assert.equal(answer.message.error.code, -32020);
          assert.match(answer.message.error.message, /headers and body disagree/);
          assert.equal(answer.message.id, 1);
        }
      }
    });

    it('reads no intent into what stays unclear: 2026-07-28 headers without the envelope, or an envelope naming no served version', async () => {
      const url = `${gh.baseUrl}/mcp`;
      const noEnvelope = await post(url, token, legacy('tools/list'), { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/list' });
      assert.equal(noEnvelope.status, 400);
      assert.equal(noEnvelope.message.error.code, -32602);
      const unknownClaim = {
        jsonrpc: '2.0',
        id: 1,
        method: 'server/discover',
        params: { _meta: { ...MODERN_ENVELOPE, 'io.modelcontextprotocol/protocolVersion': 'v999.0.0' } },
      };
      const unknown = await post(url, token, unknownClaim, { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'server/discover' });
      assert.equal(unknown.status, 400);
      assert.equal(unknown.message.error.code, -32020);
    });

    it('answers a GET probe at once: 405 with Allow: POST', async () => {
      for (const path of ['/mcp', '/']) {
        const response = await gh.fetch(path, {
          headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream', 'mcp-protocol-version': '2026-07-28' },
        });
        assert.equal(response.status, 405, path);
        assert.match(response.headers.get('allow') ?? '', /POST/);
        await response.body?.cancel();
      }
    });
  });
}
