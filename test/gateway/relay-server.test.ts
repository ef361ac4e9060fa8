// The relay server as the official SDK client sees it, over the SDK's in-memory transport, with backends that answer
// as a test needs: fast, slow (a cold start), failing. The reference servers' end-to-end tests are gateway.test.ts.
import assert from 'node:assert/strict';
import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import { createRequestStateCodec } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { CALLER_META_KEY, type Caller } from '../../src/caller.js';
import { GatewayError } from '../../src/gateway/gateway-error.js';
import { relayServerFactory, type Backend } from '../../src/gateway/relay-server.js';
import { createLogger } from '../../src/log.js';

const caller: Caller = { user: { id: 'u1', username: 'alice' }, clientId: 'c1', scopes: ['mcp:tools'] };

function backend(name: string, tools: string[], answer: (method: string) => Promise<void> = async () => {}): Backend {
  return {
    name,
    mayUse: async () => true,
    permitsTool: () => true,
    missingSecrets: async () => [],
    needsSecretMessage: () => '',
    async request(_caller, method, params) {
      await answer(method);
      if (method === 'tools/list') return { tools: tools.map((tool) => ({ name: tool, inputSchema: { type: 'object' } })) };
      return { content: [{ type: 'text', text: `${name}:${String(params.name)}` }] };
    },
  };
}

async function connect(backends: Backend[], listWaitMs: number) {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const requestState = createRequestStateCodec({ key: randomBytes(32) });
  const handle = serveStdio(relayServerFactory({ backends, aggregate: true, logger: createLogger('silent'), listWaitMs, requestState }), {
    transport: serverSide,
  });
  const client = new Client({ name: 'test', version: '1.0.0' });
  await client.connect(clientSide);
  const meta = { [CALLER_META_KEY]: caller };
  return {
    listTools: async () => (await client.request({ method: 'tools/list', params: { _meta: meta } })).tools.map((tool) => tool.name),
    callTool: (name: string) => client.request({ method: 'tools/call', params: { name, arguments: {}, _meta: meta } }),
    close: async () => {
      await client.close();
      await handle.close();
    },
  };
}

describe('the aggregate relay', { timeout: 10_000 }, () => {
  it('lists the servers that answer, leaving out one still starting, and lists it once it has', async () => {
    let started!: () => void;
    const starting = new Promise<void>((resolve) => (started = resolve));
    const relay = await connect([backend('fast', ['echo']), backend('cold', ['search'], () => starting)], 200);
    try {
      const begun = Date.now();
      assert.deepEqual(await relay.listTools(), ['fast__echo']);
      assert.ok(Date.now() - begun < 2000, 'the list did not wait for the cold server');
      started();
      assert.deepEqual(await relay.listTools(), ['fast__echo', 'cold__search']);
    } finally {
      await relay.close();
    }
  });

  it('leaves out a server that fails, and still routes calls by prefix', async () => {
    const failing = backend('down', ['x'], async () => {
      throw new GatewayError('unavailable', 'down is unavailable: connection refused');
    });
    const relay = await connect([backend('fast', ['echo']), failing], 1000);
    try {
      assert.deepEqual(await relay.listTools(), ['fast__echo']);
      const called = await relay.callTool('fast__echo');
      assert.deepEqual(called.content, [{ type: 'text', text: 'fast:echo' }]);
      const refused = await relay.callTool('down__x');
      assert.equal(refused.isError, true);
      assert.deepEqual(refused.content, [{ type: 'text', text: 'down is unavailable: connection refused' }]);
    } finally {
      await relay.close();
    }
  });
});
