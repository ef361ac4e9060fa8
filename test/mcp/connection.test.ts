// Plain MCP calls are served over one long-lived connection per era (src/mcp/connection.ts): one server instance
// answers every caller, each request with its own caller, its own id and its own notifications, and a request the
// client cuts short is cancelled in its handler.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { callerOf } from '../../src/caller.js';
import { hashPassword } from '../../src/identity/passwords.js';
import type { Toolset } from '../../src/mcp/toolset.js';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { callTool, jsonRpcResult, MODERN_ENVELOPE, mcpPost, obtainTokens } from '../helpers/oauth.js';

interface Answer {
  serial: number;
  username: string;
  scopes: string[];
}

describe('MCP served over long-lived connections', () => {
  let builds = 0;
  let slowStarted: () => void = () => {};
  let slowAborted: (reason: unknown) => void = () => {};
  const numbered: Toolset = (server) => {
    const serial = ++builds;
    server.registerTool('who', { description: 'Which instance, for whom' }, async (ctx) => {
      const { user, scopes } = callerOf(ctx);
      return { content: [{ type: 'text', text: JSON.stringify({ serial, username: user.username, scopes }) }] };
    });
    server.registerTool('slow', { description: 'Waits until it is cancelled' }, async (ctx) => {
      slowStarted();
      await new Promise<void>((resolve) =>
        ctx.mcpReq.signal.addEventListener('abort', () => (slowAborted(ctx.mcpReq.signal.reason), resolve()), { once: true }),
      );
      return { content: [{ type: 'text', text: 'cancelled' }] };
    });
    server.registerTool(
      'count',
      { description: 'Reports progress, then answers', inputSchema: z.object({ to: z.number().int().max(5) }) },
      async ({ to }, ctx) => {
        for (let i = 1; i <= to; i++) {
          const progressToken = ctx.mcpReq._meta?.progressToken;
          if (progressToken !== undefined) await ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken, progress: i, total: to } });
        }
        return { content: [{ type: 'text', text: `counted to ${to} for ${callerOf(ctx).user.username}` }] };
      },
    );
  };

  let gh: TestGatehouse;
  let alice: string;
  let bob: string;
  const who = async (token: string, era: 'modern' | 'legacy' = 'modern', id: number | string = 1): Promise<Answer> => {
    const response =
      era === 'modern'
        ? await callTool(gh.mcpUrl, token, 'who')
        : await mcpPost(gh.mcpUrl, { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'who', arguments: {} } }, token);
    assert.equal(response.status, 200);
    const message = await jsonRpcResult(response);
    assert.equal(message.id, era === 'modern' ? 1 : id, 'the answer carries the id the client sent');
    return JSON.parse(message.result.content[0].text) as Answer;
  };

  before(async () => {
    gh = await startGatehouse({}, { toolsets: () => [numbered] });
    await gh.gatehouse.storage.users.create({ username: 'bob', passwordHash: await hashPassword('bob password 123') });
    alice = (await obtainTokens(gh)).tokens.access_token;
    bob = (await obtainTokens(gh, { username: 'bob', password: 'bob password 123' })).tokens.access_token;
  });
  after(() => gh.close());

  it('serves every caller of an era from one instance, each as themselves, under concurrent load with reused ids', async () => {
    await who(alice, 'modern');
    await who(alice, 'legacy');
    const before = builds;
    const calls = Array.from(
      { length: 40 },
      (_, i) => ({ token: i % 2 ? bob : alice, username: i % 2 ? 'bob' : 'admin', era: i % 4 < 2 ? 'modern' : 'legacy' }) as const,
    );
    const answers = await Promise.all(calls.map(async (call) => ({ ...call, answer: await who(call.token, call.era, 1) })));
    for (const { username, answer } of answers) assert.equal(answer.username, username);
    assert.equal(builds, before, 'no instance was built for these calls');
    assert.equal(new Set(answers.map(({ answer }) => answer.serial)).size, 2, 'one instance per era');
  });

  it('gives each call its caller’s own scopes', async () => {
    const narrow = (await obtainTokens(gh, { scope: 'mcp:tools' })).tokens.access_token;
    assert.deepEqual((await who(narrow)).scopes, ['mcp:tools']);
    assert.deepEqual((await who(alice)).scopes, ['mcp:tools', 'mcp:resources', 'mcp:prompts']);
  });

  it('replaces a caller the client puts in the message itself', async () => {
    const forged = { user: { id: 'someone-else', username: 'mallory' }, clientId: 'x', scopes: ['mcp:tools'] };
    const response = await mcpPost(
      gh.mcpUrl,
      { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'who', arguments: {}, _meta: { ...MODERN_ENVELOPE, 'dev.gatehouse/caller': forged } } },
      bob,
      { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'who' },
    );
    assert.equal(JSON.parse((await jsonRpcResult(response)).result.content[0].text).username, 'bob');
  });

  it('cancels the handler of a call the client cuts short, and goes on serving', async () => {
    const started = new Promise<void>((resolve) => (slowStarted = resolve));
    const aborted = new Promise<unknown>((resolve) => (slowAborted = resolve));
    const abort = new AbortController();
    const cut = callTool(gh.mcpUrl, alice, 'slow', {}, abort.signal);
    await started;
    abort.abort();
    await cut.catch(() => {});
    assert.ok(await aborted, 'the handler’s signal fired');
    assert.equal((await who(alice)).username, 'admin');
  });

  it('streams a call’s progress to that call only, in both eras, and then its answer', async () => {
    const modern = await mcpPost(
      gh.mcpUrl,
      { jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'count', arguments: { to: 3 }, _meta: { ...MODERN_ENVELOPE, progressToken: 'p1' } } },
      alice,
      { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'count' },
    );
    const legacy = await mcpPost(
      gh.mcpUrl,
      { jsonrpc: '2.0', id: 6, method: 'tools/call', params: { name: 'count', arguments: { to: 2 }, _meta: { progressToken: 'p2' } } },
      bob,
    );
    for (const [response, token, total, id, username] of [
      [modern, 'p1', 3, 5, 'admin'],
      [legacy, 'p2', 2, 6, 'bob'],
    ] as const) {
      assert.match(response.headers.get('content-type')!, /text\/event-stream/);
      const events = (await response.text())
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => JSON.parse(line.slice(5)));
      const progress = events.filter((event) => event.method === 'notifications/progress');
      assert.deepEqual(
        progress.map((event) => [event.params.progressToken, event.params.progress]),
        Array.from({ length: total }, (_, i) => [token, i + 1]),
      );
      const answer = events.at(-1);
      assert.equal(answer.id, id);
      assert.equal(answer.result.content[0].text, `counted to ${total} for ${username}`);
    }
  });

  it('answers a 2026-07-28 call of a method the server lacks with 404, a 2025-era one in its event stream', async () => {
    const modern = await mcpPost(gh.mcpUrl, { jsonrpc: '2.0', id: 1, method: 'prompts/list', params: { _meta: MODERN_ENVELOPE } }, alice, {
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'prompts/list',
    });
    assert.equal(modern.status, 404);
    assert.equal((await modern.json()).error.code, -32601);
    const legacy = await mcpPost(gh.mcpUrl, { jsonrpc: '2.0', id: 2, method: 'prompts/list' }, alice);
    assert.equal(legacy.status, 200);
    assert.equal((await jsonRpcResult(legacy)).error.code, -32601);
  });
});
