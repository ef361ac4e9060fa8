// MCP requests without credentials are refused before Hono (src/resource/tokenless-refusal.ts). The refusal must be the
// guard's own, byte for byte where it matters, and be logged like any other request.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../src/log.js';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';

/** Everything a client could act on: status, body and headers, leaving out what differs on every response. */
async function observable(response: Response) {
  const headers = Object.fromEntries(
    [...response.headers].filter(
      ([name]) => !['date', 'x-request-id', 'connection', 'keep-alive'].includes(name) && !name.startsWith('access-control-') && name !== 'vary',
    ),
  );
  return { status: response.status, headers, body: await response.text() };
}

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
