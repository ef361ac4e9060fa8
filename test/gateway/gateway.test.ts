// The gateway end to end, with reference MCP servers nobody here wrote, started from node_modules: Claude's flow to
// an upstream's own endpoint and through the aggregate `/mcp`, users kept apart, secrets, policy and lifecycle.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hashPassword } from '../../src/identity/passwords.js';
import { ADMIN, startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { Browser, hiddenFields } from '../helpers/browser.js';
import { authorizationUrl, jsonRpcResult, obtainTokens, pkce, registerClient } from '../helpers/oauth.js';
import { sendMcp, type McpEra } from '../helpers/mcp-request.js';
import { alive, binOf, until } from '../helpers/reference-servers.js';
import { connectWithOAuth } from '../helpers/sdk-client.js';

const BOB = { username: 'bob', password: 'bob password 123' };
const ERAS: McpEra[] = ['2026-07-28', '2025-06-18'];

describe('the gateway in front of reference MCP servers', () => {
  let dir: string;
  let gh: TestGatehouse;
  const tokens: Record<string, Record<string, string>> = {};

  async function call(path: string, user: string, method: string, params: Record<string, unknown> = {}, era: McpEra = '2026-07-28') {
    const response = await sendMcp(gh.baseUrl + path, { era, method, params, token: tokens[user]![path]! });
    return { status: response.status, body: await jsonRpcResult(response) };
  }

  async function tokenFor(user: { username: string; password: string }, path: string) {
    const { tokens: issued } = await obtainTokens(gh, { resource: gh.baseUrl + path, ...user });
    (tokens[user.username] ??= {})[path] = issued.access_token;
  }

  const sessions = () => gh.gatehouse.gateway!.sessions.status().sessions;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-gateway-'));
    for (const user of [ADMIN.username, BOB.username]) mkdirSync(join(dir, 'files', user), { recursive: true });
    writeFileSync(join(dir, 'files', ADMIN.username, 'mine.txt'), 'admin only');
    const node = process.execPath;
    const servers = {
      mcpServers: {
        everything: { command: node, args: [binOf('@modelcontextprotocol/server-everything'), 'stdio'], tools: { deny: ['get-env'] }, isolation: 'shared' },
        memory: { command: node, args: [binOf('@modelcontextprotocol/server-memory')], env: { MEMORY_FILE_PATH: `${dir}/memory-\${user.id}.jsonl` } },
        files: { command: node, args: [binOf('@modelcontextprotocol/server-filesystem'), `${dir}/files/\${user.username}`] },
        keyed: {
          command: node,
          args: [binOf('@modelcontextprotocol/server-everything'), 'stdio'],
          env: { API_KEY: '${secret.API_KEY}' },
          secrets: { API_KEY: 'The key of the keyed service' },
        },
        private: { command: node, args: [binOf('@modelcontextprotocol/server-memory')], allow: { users: [ADMIN.username] } },
        fixture: { command: node, args: [join(import.meta.dirname, '..', 'fixtures', 'upstream-fixture.mjs')], timeout: 1, isolation: 'shared' },
      },
    };
    writeFileSync(join(dir, 'servers.json'), JSON.stringify(servers));
    gh = await startGatehouse({ SERVERS_FILE: join(dir, 'servers.json'), SERVER_IDLE_TIMEOUT: '3s' });
    await gh.gatehouse.storage.users.create({ username: BOB.username, passwordHash: await hashPassword(BOB.password) });
    for (const path of ['/mcp', '/mcp/everything', '/mcp/memory', '/mcp/files', '/mcp/keyed', '/mcp/fixture']) {
      await tokenFor(ADMIN, path);
      await tokenFor(BOB, path);
    }
    await tokenFor(BOB, '/mcp/private');
  });

  after(async () => {
    await gh?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('publishes protected-resource metadata for each upstream endpoint, and issues tokens bound to it', async () => {
    const response = await gh.fetch('/.well-known/oauth-protected-resource/mcp/everything');
    assert.equal(response.status, 200);
    assert.equal((await response.json()).resource, `${gh.baseUrl}/mcp/everything`);
    // A token for one upstream's endpoint is refused at another's.
    const elsewhere = await sendMcp(`${gh.baseUrl}/mcp/memory`, { era: '2026-07-28', method: 'tools/list', token: tokens.admin!['/mcp/everything']! });
    assert.equal(elsewhere.status, 401);
  });

  for (const era of ERAS) {
    it(`relays tools, prompts and resources at /mcp/everything (${era})`, async () => {
      const listed = await call('/mcp/everything', 'admin', 'tools/list', {}, era);
      const names = listed.body.result.tools.map((tool: { name: string }) => tool.name);
      assert.ok(names.includes('echo'), names.join());
      assert.ok(!names.includes('get-env'), 'a denied tool is not listed');
      const echoed = await call('/mcp/everything', 'admin', 'tools/call', { name: 'echo', arguments: { message: 'hello' } }, era);
      assert.equal(echoed.body.result.content[0].text, 'Echo: hello');

      const refused = await call('/mcp/everything', 'admin', 'tools/call', { name: 'get-env', arguments: {} }, era);
      assert.equal(refused.body.error.code, -32602);
      assert.match(refused.body.error.message, /Unknown tool: get-env/);

      const prompt = await call('/mcp/everything', 'admin', 'prompts/get', { name: 'args-prompt', arguments: { city: 'Lyon' } }, era);
      assert.match(JSON.stringify(prompt.body.result.messages), /Lyon/);
      const resources = await call('/mcp/everything', 'admin', 'resources/list', {}, era);
      const first = resources.body.result.resources[0];
      const read = await call('/mcp/everything', 'admin', 'resources/read', { uri: first.uri }, era);
      assert.equal(read.body.result.contents[0].uri, first.uri);
    });

    it(`serves the built-in toolset and every upstream through /mcp, prefixed (${era})`, async () => {
      const listed = await call('/mcp', 'admin', 'tools/list', {}, era);
      const names: string[] = listed.body.result.tools.map((tool: { name: string }) => tool.name);
      for (const name of ['whoami', 'everything__echo', 'memory__read_graph', 'files__list_directory', 'keyed__connect']) assert.ok(names.includes(name), name);
      assert.ok(!names.includes('everything__get-env'));
      assert.ok(names.every((name) => /^[a-zA-Z0-9_-]{1,64}$/.test(name)));
      const echoed = await call('/mcp', 'admin', 'tools/call', { name: 'everything__echo', arguments: { message: 'via /mcp' } }, era);
      assert.equal(echoed.body.result.content[0].text, 'Echo: via /mcp');
      const whoami = await call('/mcp', 'admin', 'tools/call', { name: 'whoami', arguments: {} }, era);
      assert.match(JSON.stringify(whoami.body.result), /admin/);
      const prompts = await call('/mcp', 'admin', 'prompts/list', {}, era);
      assert.ok(prompts.body.result.prompts.some((prompt: { name: string }) => prompt.name === 'everything__args-prompt'));
    });
  }

  it('relays progress notifications to the official SDK client, through OAuth, in both eras', async () => {
    for (const era of ['legacy', '2026-07-28'] as const) {
      const { client } = await connectWithOAuth(`${gh.baseUrl}/mcp/everything`, { era, username: ADMIN.username, password: ADMIN.password });
      try {
        const progress: number[] = [];
        const result = await client.callTool(
          { name: 'trigger-long-running-operation', arguments: { duration: 0.3, steps: 3 } },
          { onprogress: (update) => progress.push(update.progress) },
        );
        assert.deepEqual(progress, [1, 2, 3], era);
        assert.match(JSON.stringify(result.content), /completed/i);
      } finally {
        await client.close();
      }
    }
  });

  it('keeps users apart: their own memory process and file, their own folder', async () => {
    const entity = { entities: [{ name: 'admin-secret-plan', entityType: 'plan', observations: ['only admin knows'] }] };
    const created = await call('/mcp/memory', 'admin', 'tools/call', { name: 'create_entities', arguments: entity });
    assert.equal(created.body.result.isError, undefined, JSON.stringify(created.body));
    const bobs = await call('/mcp/memory', 'bob', 'tools/call', { name: 'read_graph', arguments: {} });
    assert.doesNotMatch(JSON.stringify(bobs.body.result), /admin-secret-plan/);
    const admins = await call('/mcp/memory', 'admin', 'tools/call', { name: 'read_graph', arguments: {} });
    assert.match(JSON.stringify(admins.body.result), /admin-secret-plan/);
    const memory = sessions().filter((session) => session.server === 'memory');
    assert.equal(memory.length, 2);
    assert.notEqual(memory[0]!.pid, memory[1]!.pid);

    const adminFiles = await call('/mcp/files', 'admin', 'tools/call', { name: 'list_directory', arguments: { path: join(dir, 'files', 'admin') } });
    assert.match(JSON.stringify(adminFiles.body.result), /mine\.txt/);
    const bobPeeks = await call('/mcp/files', 'bob', 'tools/call', { name: 'read_text_file', arguments: { path: join(dir, 'files', 'admin', 'mine.txt') } });
    assert.equal(bobPeeks.body.result.isError, true);
    assert.doesNotMatch(JSON.stringify(bobPeeks.body.result), /admin only/);
  });

  it('refuses a username that is not safe in a path, with a clear tool error', async () => {
    const hostile = { username: 'eve/../admin', password: 'eve password 123' };
    await gh.gatehouse.storage.users.create({ username: hostile.username, passwordHash: await hashPassword(hostile.password) });
    await tokenFor(hostile, '/mcp/files');
    const attempt = await call('/mcp/files', hostile.username, 'tools/call', { name: 'list_directory', arguments: { path: join(dir, 'files', 'admin') } });
    assert.equal(attempt.body.result.isError, true);
    assert.match(attempt.body.result.content[0].text, /files cannot be used with your account: your username/);
    assert.ok(!sessions().some((session) => session.server === 'files' && session.owner !== undefined && attempt.body.result.isError === false));
  });

  it('asks for a missing secret with the account URL, and uses it once saved, never storing it in the clear', async () => {
    const before = await call('/mcp/keyed', 'admin', 'tools/call', { name: 'echo', arguments: { message: 'x' } });
    assert.equal(before.body.result.isError, true);
    assert.match(before.body.result.content[0].text, new RegExp(`keyed needs API_KEY .* at ${gh.baseUrl}/account#connections`));
    const listed = await call('/mcp/keyed', 'admin', 'tools/list');
    assert.deepEqual(
      listed.body.result.tools.map((tool: { name: string }) => tool.name),
      ['connect'],
    );

    const admin = await gh.gatehouse.storage.users.findByUsername(ADMIN.username);
    await gh.gatehouse.gateway!.secrets.save(admin!.id, 'keyed', 'API_KEY', 'key-that-must-not-leak');
    const afterSaving = await call('/mcp/keyed', 'admin', 'tools/call', { name: 'echo', arguments: { message: 'now' } });
    assert.equal(afterSaving.body.result.content[0].text, 'Echo: now');
    const rows = await gh.gatehouse.storage.db.selectFrom('upstream_secrets').selectAll().execute();
    assert.equal(rows.length, 1);
    assert.doesNotMatch(JSON.stringify(rows), /key-that-must-not-leak/);
  });

  it('names on the consent page the servers a connection will reach, for that user', async () => {
    const consentFor = async (user: { username: string; password: string }, path: string) => {
      const client = await registerClient(gh);
      const browser = new Browser();
      const url = authorizationUrl(gh, client, { code_challenge: pkce().challenge, code_challenge_method: 'S256', resource: gh.baseUrl + path });
      const login = await browser.go(url);
      const consent = await browser.submit(new URL('/login', login.url), { ...hiddenFields(login.html!), ...user });
      const list = /<ul class="servers">(.*?)<\/ul>/s.exec(consent.html!)?.[1] ?? '';
      return [...list.matchAll(/<strong>([^<]+)<\/strong>/g)].map((match) => match[1]);
    };
    assert.deepEqual(await consentFor(ADMIN, '/mcp/memory'), ['memory']);
    const bobs = await consentFor(BOB, '/mcp');
    assert.ok(bobs.includes('memory') && bobs.includes('everything'), bobs.join());
    assert.ok(!bobs.includes('private'), 'a server bob may not use is not named to him');
  });

  it('says on the consent page which of a server’s tools the connection reaches', async () => {
    const client = await registerClient(gh);
    const browser = new Browser();
    const url = authorizationUrl(gh, client, { code_challenge: pkce().challenge, code_challenge_method: 'S256', resource: gh.baseUrl + '/mcp/everything' });
    const login = await browser.go(url);
    const consent = await browser.submit(new URL('/login', login.url), { ...hiddenFields(login.html!), ...ADMIN });
    assert.match(consent.html!, /<strong>everything<\/strong>.*?\(all its tools, except get-env\)/s);
  });

  it('hides a server from users outside its access rule: 403 at its endpoint, absent from /mcp', async () => {
    const refused = await call('/mcp/private', 'bob', 'tools/list');
    assert.equal(refused.status, 403);
    const listed = await call('/mcp', 'bob', 'tools/list');
    const names: string[] = listed.body.result.tools.map((tool: { name: string }) => tool.name);
    assert.ok(!names.some((name) => name.startsWith('private__')));
    assert.ok(names.includes('memory__read_graph'));
  });

  it('answers a hung upstream with a timeout error naming the server', async () => {
    const started = Date.now();
    const result = await call('/mcp/fixture', 'admin', 'tools/call', { name: 'wait_forever', arguments: {} });
    assert.equal(result.body.result.isError, true);
    assert.match(result.body.result.content[0].text, /fixture did not answer within 1 s/);
    assert.ok(Date.now() - started < 5000);
  });

  it('answers an upstream that crashes mid-call with an error, and serves the next call from a new process', async () => {
    const crashed = await call('/mcp/fixture', 'admin', 'tools/call', { name: 'crash', arguments: {} });
    assert.equal(crashed.body.result.isError, true);
    assert.match(crashed.body.result.content[0].text, /^fixture stopped during the call/);
    const listed = await call('/mcp/fixture', 'admin', 'tools/list');
    assert.ok(listed.body.result.tools.some((tool: { name: string }) => tool.name === 'wait_forever'));
  });

  it("tells open subscriptions when an upstream's tool list changes", async () => {
    const controller = new AbortController();
    const response = await sendMcp(`${gh.baseUrl}/mcp/fixture`, {
      era: '2026-07-28',
      method: 'subscriptions/listen',
      params: { notifications: { toolsListChanged: true } },
      token: tokens.admin!['/mcp/fixture']!,
      signal: controller.signal,
    });
    assert.equal(response.status, 200);
    const reader = response.body!.getReader();
    let received = '';
    const heard = (async () => {
      for (let read = await reader.read(); !read.done; read = await reader.read()) {
        received += new TextDecoder().decode(read.value);
        if (received.includes('notifications/tools/list_changed')) return true;
      }
      return false;
    })().catch(() => false);
    await call('/mcp/fixture', 'admin', 'tools/call', { name: 'add_tool', arguments: {} });
    const outcome = await Promise.race([heard, new Promise((resolve) => setTimeout(() => resolve('timeout'), 5000))]);
    controller.abort();
    assert.equal(outcome, true, received);
  });

  it('audits every upstream call without its arguments, and counts calls and processes in /metrics', async () => {
    await call('/mcp/everything', 'admin', 'tools/call', { name: 'echo', arguments: { message: 'audit-me-not' } });
    const events = await gh.gatehouse.storage.db.selectFrom('audit_events').selectAll().where('type', '=', 'upstream.call').execute();
    const echo = events.map((event) => JSON.parse(event.detail!)).find((detail) => detail.server === 'everything' && detail.target === 'echo');
    assert.equal(echo?.outcome, 'ok');
    assert.equal(typeof echo?.ms, 'number');
    assert.doesNotMatch(JSON.stringify(events), /audit-me-not/);
    const metrics = await (await gh.fetch('/metrics')).text();
    assert.match(metrics, /gatehouse_upstream_requests_total\{server="everything",method="tools\/call",outcome="ok"\} [1-9]/);
    assert.match(metrics, /gatehouse_upstream_processes\{server="everything"\} 1/);
  });

  it('starts a killed upstream again on the next call, and stops idle ones', async () => {
    await call('/mcp/everything', 'admin', 'tools/call', { name: 'echo', arguments: { message: 'warm' } });
    const pid = sessions().find((session) => session.server === 'everything')!.pid!;
    process.kill(pid, 'SIGKILL');
    await until(() => !sessions().some((session) => session.pid === pid), 'the killed session to be noticed');
    const again = await call('/mcp/everything', 'admin', 'tools/call', { name: 'echo', arguments: { message: 'back' } });
    assert.equal(again.body.result.content[0].text, 'Echo: back');
    const restarted = sessions().find((session) => session.server === 'everything')!.pid!;
    assert.notEqual(restarted, pid);
    // SERVER_IDLE_TIMEOUT is 3 s here: the process stops by itself.
    await until(() => !alive(restarted), 'the idle process to stop', 15_000);
  });
});
