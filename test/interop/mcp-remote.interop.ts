// mcp-remote, the stdio ↔ remote OAuth proxy many desktop clients use: it registers itself, prints the
// authorization URL, receives the code on its own loopback callback, then serves MCP over stdio; at /mcp and at an
// upstream's endpoint behind the gateway.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { signInAndDecide } from '../helpers/browser.js';
import type { TestGatehouse } from '../helpers/gatehouse.js';
import { freePort } from '../helpers/free-port.js';
import { EVERYTHING_PATH, startGatehouseWithEverything } from './gateway.js';
import { waitForLine } from './process.js';
import { ensureInteropInstalled, MCP_REMOTE, spawnNode22 } from './tools.js';

describe('mcp-remote', () => {
  let gh: TestGatehouse;
  let configDir: string;
  before(async () => {
    ensureInteropInstalled();
    gh = await startGatehouseWithEverything();
    configDir = mkdtempSync(join(tmpdir(), 'gatehouse-mcp-remote-'));
  });
  after(async () => {
    await gh?.close();
    rmSync(configDir, { recursive: true, force: true });
  });

  /** Starts mcp-remote for `path`, plays the person at its authorization URL, then initializes over stdio. */
  async function signedIn(path: string, body: (rpc: ReturnType<typeof stdioClient>) => Promise<void>) {
    const port = await freePort();
    const child = spawnNode22([MCP_REMOTE, gh.baseUrl + path, String(port), '--allow-http'], { MCP_REMOTE_CONFIG_DIR: configDir, BROWSER: 'true' });
    const killer = setTimeout(() => child.kill('SIGKILL'), 110_000);
    try {
      const line = await waitForLine(child.stderr!, /Please authorize this client by visiting:\s+(\S+)/, 60_000);
      assert.equal(new URL(line[1]!).searchParams.get('resource'), gh.baseUrl + path);
      const callback = await signInAndDecide(line[1]!);
      assert.equal(callback.port, String(port));
      assert.equal(callback.pathname, '/oauth/callback');
      await fetch(callback); // mcp-remote's own listener takes the code, as from a browser

      const rpc = stdioClient(child);
      const init = await rpc('initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'interop-test', version: '1.0.0' } });
      assert.equal(init.serverInfo.name, 'gatehouse');
      rpc.notify('notifications/initialized');
      await body(rpc);
    } finally {
      clearTimeout(killer);
      child.kill();
    }
  }

  it('completes sign-in through its loopback callback, then lists and calls tools over stdio, upstream ones included', { timeout: 120_000 }, () =>
    signedIn('/mcp', async (rpc) => {
      const { tools } = await rpc('tools/list', {});
      const names = tools.map((tool: { name: string }) => tool.name);
      for (const name of ['whoami', 'everything__echo']) assert.ok(names.includes(name), names.join(', '));
      const call = await rpc('tools/call', { name: 'whoami', arguments: {} });
      assert.equal(call.structuredContent.username, 'admin');
      const echoed = await rpc('tools/call', { name: 'everything__echo', arguments: { message: 'via /mcp' } });
      assert.equal(echoed.content[0].text, 'Echo: via /mcp');
    }),
  );

  it(`signs in for ${EVERYTHING_PATH} from its own metadata, then lists and calls echo over stdio`, { timeout: 120_000 }, () =>
    signedIn(EVERYTHING_PATH, async (rpc) => {
      const { tools } = await rpc('tools/list', {});
      assert.ok(tools.some((tool: { name: string }) => tool.name === 'echo'));
      const echoed = await rpc('tools/call', { name: 'echo', arguments: { message: 'hello' } });
      assert.equal(echoed.content[0].text, 'Echo: hello');
    }),
  );
});

/** Newline-delimited JSON-RPC over a child's stdio, as a stdio MCP client speaks it. */
function stdioClient(child: ReturnType<typeof spawnNode22>) {
  let nextId = 1;
  const pending = new Map<number, { resolve: (value: any) => void; reject: (error: Error) => void }>();
  createInterface({ input: child.stdout! }).on('line', (line) => {
    let message: { id?: number; result?: unknown; error?: { message: string } };
    try {
      message = JSON.parse(line);
    } catch {
      return;
    }
    const waiter = message.id === undefined ? undefined : pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id!);
    if (message.error) waiter.reject(new Error(message.error.message));
    else waiter.resolve(message.result);
  });
  const call = (method: string, params: unknown) =>
    new Promise<any>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      child.stdin!.write(JSON.stringify({ jsonrpc: '2.0', id, method, params }) + '\n');
    });
  return Object.assign(call, {
    notify: (method: string) => child.stdin!.write(JSON.stringify({ jsonrpc: '2.0', method }) + '\n'),
  });
}
