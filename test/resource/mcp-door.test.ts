// MCP clients' POSTs are served on Node's own request and response (src/resource/mcp-door.ts), and everything a
// browser sends takes the app's full path. Both must give the same answers, byte for byte where a client could act
// on them, and leave the same log lines.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../src/log.js';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { mcpRequest, type McpRequestOptions } from '../helpers/mcp-request.js';
import { obtainTokens } from '../helpers/oauth.js';

/** Everything a client could act on: status, body and headers, leaving out what differs on every response. */
async function observable(response: Response) {
  const headers = Object.fromEntries(
    [...response.headers].filter(
      ([name]) => !['date', 'x-request-id', 'connection', 'keep-alive'].includes(name) && !name.startsWith('access-control-') && name !== 'vary',
    ),
  );
  // Request ids are numbered per process: the same answer on both paths differs in nothing else.
  return { status: response.status, headers, body: (await response.text()).replace(/request id [\w.:-]+/, 'request id …') };
}

/** The same request on both paths: as an MCP client sends it, and from a browser at an allowed origin. */
async function bothPaths(gh: TestGatehouse, path: string, request: { headers: Record<string, string>; body: string }) {
  const send = (extra: Record<string, string>) => gh.fetch(path, { method: 'POST', headers: { ...request.headers, ...extra }, body: request.body });
  const full = await send({ origin: 'https://claude.ai' });
  assert.equal(full.headers.get('access-control-allow-origin'), 'https://claude.ai', 'the reference went through CORS');
  return { door: await observable(await send({})), full: await observable(full) };
}

describe('MCP requests on Node’s own request and response', () => {
  const lines: string[] = [];
  let gh: TestGatehouse;
  let token: string;
  let toolsOnly: string;
  before(async () => {
    gh = await startGatehouse({}, { logger: createLogger('info', { write: (line: string) => void lines.push(line) }) });
    token = (await obtainTokens(gh, { resource: gh.baseUrl })).tokens.access_token;
    toolsOnly = (await obtainTokens(gh, { resource: gh.baseUrl, scope: 'mcp:tools' })).tokens.access_token;
  });
  after(() => gh.close());

  it('answer as the app’s full path does, in both eras, to calls, to the handler’s methods and to every refusal', async () => {
    const call = { method: 'tools/call', params: { name: 'whoami', arguments: {} } };
    const cases: [string, McpRequestOptions][] = [
      ['2026-07-28 tools/call', { era: '2026-07-28', ...call, token }],
      ['2025 tools/call (an event stream)', { era: '2025-06-18', ...call, token }],
      ['2026-07-28 tools/list', { era: '2026-07-28', method: 'tools/list', token }],
      ['an unknown tool', { era: '2026-07-28', method: 'tools/call', params: { name: 'nope', arguments: {} }, token }],
      ['server/discover (the handler)', { era: '2026-07-28', method: 'server/discover', token }],
      ['a method the server lacks', { era: '2026-07-28', method: 'no/such', token }],
      ['a token that is no token', { era: '2026-07-28', ...call, token: 'not.a.token' }],
      ['a token without the scope', { era: '2026-07-28', method: 'resources/list', token: toolsOnly }],
      ['headers that contradict the body', { era: '2026-07-28', ...call, token, headers: { 'mcp-name': 'other' } }],
      ['a tolerated quirk (no Mcp-Method)', { era: '2026-07-28', ...call, token, headers: { 'mcp-protocol-version': '2025-11-25' } }],
    ];
    for (const [name, options] of cases) {
      const { door, full } = await bothPaths(gh, '/mcp', mcpRequest(options));
      assert.deepEqual(door, full, name);
    }
    for (const [name, headers, body] of [
      ['not JSON', { 'content-type': 'application/json' }, '{"jsonrpc":'],
      ['not application/json', { 'content-type': 'text/plain' }, '{}'],
    ] as const) {
      const { door, full } = await bothPaths(gh, '/mcp', { headers: { ...headers, authorization: `Bearer ${token}` }, body });
      assert.ok(door.status >= 400, `${name}: refused (${door.status})`);
      assert.deepEqual(door, full, name);
    }
  });

  it('log the caller of each request they serve, and close the connection over a body left unread', async () => {
    const { headers, body } = mcpRequest({ era: '2026-07-28', method: 'tools/list', token, headers: { 'x-request-id': 'door-1' } });
    assert.equal((await gh.fetch('/mcp', { method: 'POST', headers, body })).status, 200);
    const line = lines.map((text) => JSON.parse(text)).find((entry) => entry.req_id === 'door-1');
    assert.deepEqual(
      { msg: line.msg, path: line.path, route: line.route, status: line.status, client: typeof line.client_id, user: typeof line.user_id },
      { msg: 'request', path: '/mcp', route: '/mcp', status: 200, client: 'string', user: 'string' },
    );
    // A client that declares a large body and sends a little of it, then waits: the answer must not wait for the rest.
    const port = Number(new URL(gh.baseUrl).port);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () =>
        socket.write(`POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nContent-Type: text/plain\r\nContent-Length: 1000000\r\n\r\n{`),
      );
      let received = '';
      socket.on('data', (chunk) => {
        received += chunk.toString('latin1');
        if (!received.includes('\r\n\r\n')) return;
        socket.destroy();
        resolve(received);
      });
      socket.on('error', reject);
      setTimeout(() => reject(new Error('no answer: the door waited for the body')), 3000).unref();
    });
    assert.match(answer, /^HTTP\/1\.1 415 /);
    assert.match(answer, /\r\nconnection: close/i);
  });
});

describe('tokenless requests to the MCP endpoint', () => {
  const lines: string[] = [];
  let gh: TestGatehouse;
  before(async () => {
    gh = await startGatehouse({}, { logger: createLogger('info', { write: (line: string) => void lines.push(line) }) });
  });
  after(() => gh.close());

  it('get the guard’s own 401, with the same challenge and security headers as the full path', async () => {
    for (const path of ['/mcp', '/mcp/streamable', '/']) {
      const fast = await gh.fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      // A browser request from an allowed origin (Claude's) takes the full path through Hono and the guard.
      const full = await gh.fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'https://claude.ai' }, body: '{}' });
      assert.equal(full.headers.get('access-control-allow-origin'), 'https://claude.ai', 'the reference went through CORS');
      const [fastSeen, fullSeen] = [await observable(fast), await observable(full)];
      assert.deepEqual(fastSeen, fullSeen);
      assert.equal(fastSeen.status, 401);
      const metadata = `${gh.baseUrl}/.well-known/oauth-protected-resource${path === '/' ? '' : path}`;
      assert.equal(fastSeen.headers['www-authenticate'], `Bearer resource_metadata="${metadata}", scope="mcp:tools mcp:resources mcp:prompts"`);
      assert.equal(fastSeen.headers['x-frame-options'], 'DENY');
      assert.equal(fastSeen.headers['x-content-type-options'], 'nosniff');
    }
  });

  it('are refused for any method and with a query string', async () => {
    for (const [method, path] of [
      ['GET', '/mcp'],
      ['DELETE', '/mcp'],
      ['POST', '/mcp?session=1'],
    ] as const) {
      const response = await gh.fetch(path, { method });
      assert.equal(response.status, 401, `${method} ${path}`);
      assert.match(response.headers.get('www-authenticate')!, /^Bearer resource_metadata=/);
    }
  });

  it('leave a browser’s GET of the origin to the home page, and challenge any other GET there', async () => {
    const page = await gh.fetch('/', { headers: { accept: 'text/html,application/xhtml+xml' } });
    assert.equal(page.status, 200);
    assert.match(await page.text(), new RegExp(`<code class="host">${gh.baseUrl}</code>`));
    const probe = await gh.fetch('/', { headers: { accept: 'text/event-stream' } });
    assert.equal(probe.status, 401);
    assert.match(probe.headers.get('www-authenticate')!, /resource_metadata="[^"]+\/\.well-known\/oauth-protected-resource"/);
  });

  it('echo a well-formed request id, replace any other, and are logged like every request', async () => {
    const echoed = await gh.fetch('/mcp', { method: 'POST', headers: { 'x-request-id': 'trace-42.a:b' } });
    assert.equal(echoed.headers.get('x-request-id'), 'trace-42.a:b');
    const replaced = await Promise.all([1, 2].map(() => gh.fetch('/mcp', { method: 'POST', headers: { 'x-request-id': 'bad id\u00e9' } })));
    const ids = replaced.map((response) => response.headers.get('x-request-id')!);
    assert.ok(
      ids.every((id) => /^[\w-]+$/.test(id)),
      `fresh ids: ${ids}`,
    );
    assert.notEqual(ids[0], ids[1]);
    const line = lines.map((text) => JSON.parse(text)).find((entry) => entry.req_id === 'trace-42.a:b');
    assert.deepEqual(
      { msg: line.msg, method: line.method, path: line.path, route: line.route, status: line.status },
      { msg: 'request', method: 'POST', path: '/mcp', route: '/mcp', status: 401 },
    );
    assert.equal(typeof line.ms, 'number');
  });
});
