// Upstream servers Gatehouse reaches over HTTP: the reference server in its Streamable HTTP mode and in its legacy
// SSE mode, each started as its own process on loopback, with a header rendered for the signed-in user.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../helpers/free-port.js';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { sendMcp, type McpEra } from '../helpers/mcp-request.js';
import { jsonRpcResult, obtainTokens } from '../helpers/oauth.js';
import { binOf, until } from '../helpers/reference-servers.js';

async function startEverything(mode: 'streamableHttp' | 'sse'): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, [binOf('@modelcontextprotocol/server-everything'), mode], {
    env: { PATH: process.env.PATH, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  const url = `http://127.0.0.1:${port}`;
  // Any answer means it listens (its endpoints refuse a bare GET).
  await until(
    () =>
      fetch(url).then(
        () => true,
        () => false,
      ),
    `server-everything (${mode}) to listen`,
    20_000,
  );
  return { url, child };
}

describe('HTTP upstream servers', () => {
  let dir: string;
  let gh: TestGatehouse;
  const upstreams: ChildProcess[] = [];
  const tokens: Record<string, string> = {};

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-http-upstream-'));
    const streamable = await startEverything('streamableHttp');
    const sse = await startEverything('sse');
    upstreams.push(streamable.child, sse.child);
    const servers = {
      mcpServers: {
        remote: { type: 'http', url: `${streamable.url}/mcp`, headers: { 'X-User': '${user.id}' } },
        legacy: { type: 'sse', url: `${sse.url}/sse` },
        down: { type: 'http', url: `http://127.0.0.1:${await freePort()}/mcp`, timeout: 5 },
      },
    };
    writeFileSync(join(dir, 'servers.json'), JSON.stringify(servers));
    gh = await startGatehouse({ SERVERS_FILE: join(dir, 'servers.json') });
    for (const path of ['/mcp/remote', '/mcp/legacy', '/mcp/down', '/mcp']) {
      tokens[path] = (await obtainTokens(gh, { resource: gh.baseUrl + path })).tokens.access_token;
    }
  });

  after(async () => {
    await gh?.close();
    for (const child of upstreams) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const call = async (path: string, method: string, params: Record<string, unknown> = {}, era: McpEra = '2026-07-28') =>
    jsonRpcResult(await sendMcp(gh.baseUrl + path, { era, method, params, token: tokens[path]! }));

  for (const path of ['/mcp/remote', '/mcp/legacy']) {
    for (const era of ['2026-07-28', '2025-06-18'] as const) {
      it(`lists and calls tools at ${path} (${era})`, async () => {
        const listed = await call(path, 'tools/list', {}, era);
        assert.ok(listed.result.tools.some((tool: { name: string }) => tool.name === 'echo'));
        const echoed = await call(path, 'tools/call', { name: 'echo', arguments: { message: `over ${path}` } }, era);
        assert.equal(echoed.result.content[0].text, `Echo: over ${path}`);
      });
    }
  }

  it('answers a tool error naming a server that is down, and keeps the others in /mcp', async () => {
    const failed = await call('/mcp/down', 'tools/call', { name: 'echo', arguments: { message: 'x' } });
    assert.equal(failed.result.isError, true);
    assert.match(failed.result.content[0].text, /^down is unavailable: /);
    const listed = await call('/mcp/down', 'tools/list');
    assert.equal(listed.error.code, -32603);
    assert.match(listed.error.message, /^down is unavailable/);
    const aggregate = await call('/mcp', 'tools/list');
    const names: string[] = aggregate.result.tools.map((tool: { name: string }) => tool.name);
    assert.ok(names.includes('remote__echo') && names.includes('legacy__echo'));
    assert.ok(!names.some((name) => name.startsWith('down__')));
  });
});
