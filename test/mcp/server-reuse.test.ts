// McpServer instances are reused between 2026-07-28 requests of the same caller (building one is most of a tool
// call's cost), and never between callers, between scopes, for 2025-era requests, or after an exchange cut short.
import assert from 'node:assert/strict';
import { McpServer } from '@modelcontextprotocol/server';
import { after, before, beforeEach, describe, it } from 'node:test';
import { hashPassword } from '../../src/identity/passwords.js';
import { ServerPool } from '../../src/mcp/server-pool.js';
import type { Toolset } from '../../src/mcp/toolset.js';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { callTool, jsonRpcResult, mcpPost, obtainTokens, type RegisteredClient } from '../helpers/oauth.js';

interface Answer {
  serial: number;
  username: string;
  scopes: string[];
}

describe('McpServer reuse', () => {
  let builds = 0;
  let slowStarted: () => void = () => {};
  let releaseSlow: () => void = () => {};
  const numbered: Toolset = (server, { user, scopes }) => {
    const serial = ++builds;
    const answer = (): Answer => ({ serial, username: user.username, scopes });
    server.registerTool('who', { description: 'Which instance, for whom' }, async () => ({ content: [{ type: 'text', text: JSON.stringify(answer()) }] }));
    server.registerTool('slow', { description: 'Answers when the test says so' }, async () => {
      slowStarted();
      await new Promise<void>((resolve) => (releaseSlow = resolve));
      return { content: [{ type: 'text', text: JSON.stringify(answer()) }] };
    });
  };

  let gh: TestGatehouse;
  let alice: string;
  let aliceClient: RegisteredClient;
  let bob: string;
  const who = async (token: string): Promise<Answer> => {
    const response = await callTool(gh.mcpUrl, token, 'who');
    assert.equal(response.status, 200);
    return JSON.parse((await jsonRpcResult(response)).result.content[0].text) as Answer;
  };

  before(async () => {
    gh = await startGatehouse({}, { toolsets: () => [numbered] });
    await gh.gatehouse.storage.users.create({ username: 'bob', passwordHash: await hashPassword('bob password 123') });
    ({
      tokens: { access_token: alice },
      client: aliceClient,
    } = await obtainTokens(gh));
    bob = (await obtainTokens(gh, { username: 'bob', password: 'bob password 123' })).tokens.access_token;
  });
  after(() => gh.close());
  beforeEach(async () => {
    // Leave each test a pool holding an instance per caller, built before it started (a caller's instance is kept
    // from their second request on).
    for (let i = 0; i < 2; i++) {
      await who(alice);
      await who(bob);
    }
  });

  it('serves a caller’s sequential calls from one instance', async () => {
    const before = builds;
    const answers = [];
    for (let i = 0; i < 10; i++) answers.push(await who(alice));
    assert.equal(builds, before, 'no instance was built');
    assert.equal(new Set(answers.map((a) => a.serial)).size, 1);
    assert.ok(answers.every((a) => a.username === 'admin'));
  });

  it('never lets one caller’s instance answer another, even under concurrent load', async () => {
    const calls = Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? { token: alice, username: 'admin' } : { token: bob, username: 'bob' }));
    const answers = await Promise.all(calls.map(async ({ token, username }) => ({ username, answer: await who(token) })));
    for (const { username, answer } of answers) assert.equal(answer.username, username);
    const servedBoth = new Map<number, Set<string>>();
    for (const { answer } of answers) servedBoth.set(answer.serial, (servedBoth.get(answer.serial) ?? new Set()).add(answer.username));
    assert.ok(
      [...servedBoth.values()].every((users) => users.size === 1),
      'each instance served one user',
    );
  });

  it('builds a separate instance for the same user with other scopes', async () => {
    const narrow = (await obtainTokens(gh, { client: aliceClient, scope: 'mcp:tools' })).tokens.access_token;
    const wide = await who(alice);
    for (let i = 0; i < 3; i++) {
      const answer = await who(narrow);
      assert.deepEqual(answer.scopes, ['mcp:tools']);
      assert.notEqual(answer.serial, wide.serial);
    }
  });

  it('keeps no instance for a caller’s first request, so one-off callers leave nothing behind', async () => {
    const newcomer = (await obtainTokens(gh, { username: 'bob', password: 'bob password 123' })).tokens.access_token; // bob, through a new client
    const first = await who(newcomer);
    const second = await who(newcomer);
    const third = await who(newcomer);
    assert.notEqual(second.serial, first.serial, 'the first instance was not kept');
    assert.equal(third.serial, second.serial, 'the second one was');
  });

  it('builds a fresh instance for every 2025-era request', async () => {
    const before = builds;
    for (let id = 1; id <= 3; id++) {
      const response = await mcpPost(gh.mcpUrl, { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'who', arguments: {} } }, alice);
      assert.equal((JSON.parse((await jsonRpcResult(response)).result.content[0].text) as Answer).username, 'admin');
    }
    assert.equal(builds, before + 3);
  });

  it('retires an instance whose exchange the client cut short, even once its handler finishes', async () => {
    const pooled = await who(alice);
    const started = new Promise<void>((resolve) => (slowStarted = resolve));
    const abort = new AbortController();
    const cut = callTool(gh.mcpUrl, alice, 'slow', {}, abort.signal);
    await started;
    abort.abort();
    await cut.catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 50));
    releaseSlow();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const after = [await who(alice), await who(alice)];
    assert.ok(
      after.every((a) => a.serial !== pooled.serial),
      'the cut-short instance never serves again',
    );
  });
});

describe('ServerPool', () => {
  const closeExchange = (server: McpServer) => server.server.onclose?.();
  const fresh = () => new McpServer({ name: 'pooled', version: '1' });

  it('keeps at most its capacity, dropping the least recently used caller’s instances first', () => {
    const pool = new ServerPool(2);
    const servers = { a: fresh(), b: fresh(), c: fresh() };
    for (const caller of Object.keys(servers)) pool.lend(caller, fresh(), undefined); // first requests: not kept
    for (const [caller, server] of Object.entries(servers)) pool.lend(caller, server, undefined);
    closeExchange(servers.a);
    closeExchange(servers.b);
    assert.equal(pool.take('a'), servers.a);
    pool.lend('a', servers.a, undefined);
    closeExchange(servers.a); // a is back, now more recent than b
    closeExchange(servers.c);
    assert.equal(pool.size, 2);
    assert.equal(pool.take('b'), undefined, 'b was evicted');
    assert.equal(pool.take('a'), servers.a);
    assert.equal(pool.take('c'), servers.c);
    assert.equal(pool.size, 0);
  });

  it('keeps nothing from a caller’s first request', () => {
    const pool = new ServerPool(8);
    const server = fresh();
    pool.lend('a', server, undefined);
    closeExchange(server);
    assert.equal(pool.size, 0);
  });

  it('lends an instance to one exchange at a time and takes it back once', () => {
    const pool = new ServerPool(8);
    const server = fresh();
    pool.lend('a', fresh(), undefined);
    pool.lend('a', server, undefined);
    assert.equal(pool.take('a'), undefined, 'still lent out');
    closeExchange(server);
    closeExchange(server);
    assert.equal(pool.size, 1);
  });
});
