// `gatehouse servers list|test` run as a process beside a running Gatehouse, with reference MCP servers from
// node_modules: what is configured, the sessions the running instance registered (with usernames, pids and its
// label), each server's last failed call, and a trial start that lists a server's tools and leaves no process behind.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertRefused, cli, databaseLine, json } from '../helpers/cli.js';
import { ADMIN, startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { sendMcp } from '../helpers/mcp-request.js';
import { jsonRpcResult, obtainTokens } from '../helpers/oauth.js';
import { alive, binOf, until } from '../helpers/reference-servers.js';

const NO_USER_VALUES_WARNING =
  "warning: notes runs one process per user, but its args and env name no ${user.…} value: every user's process reads and writes the same files\n";

describe('gatehouse servers', () => {
  let dir: string;
  let gh: TestGatehouse;
  let env: Record<string, string>;
  // The configuration the server reads, as an operator's shell would have it.
  const run = (args: string[], extra: Record<string, string> = {}) => cli(gh.databaseUrl, args, { env: { ...env, BASE_URL: gh.baseUrl, ...extra } });

  async function call(path: string, method: string, params: Record<string, unknown> = {}) {
    const { tokens } = await obtainTokens(gh, { resource: gh.baseUrl + path });
    const response = await sendMcp(gh.baseUrl + path, { era: '2026-07-28', method, params, token: tokens.access_token });
    assert.equal(response.status, 200);
    return jsonRpcResult(response);
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-servers-'));
    const node = process.execPath;
    const servers = {
      mcpServers: {
        everything: { command: node, args: [binOf('@modelcontextprotocol/server-everything'), 'stdio'], isolation: 'shared', tools: { deny: ['get-env'] } },
        memory: {
          command: node,
          args: [binOf('@modelcontextprotocol/server-memory')],
          env: { MEMORY_FILE_PATH: `${dir}/memory-\${user.id}.jsonl` },
          allow: { users: [ADMIN.username], groups: ['eng'] },
        },
        notes: { command: node, args: [binOf('@modelcontextprotocol/server-memory')], env: { MEMORY_FILE_PATH: `${dir}/everyone.jsonl` } },
        keyed: {
          type: 'http',
          url: 'http://127.0.0.1:9/mcp',
          headers: { Authorization: 'Bearer ${secret.API_KEY}' },
          secrets: { API_KEY: 'The key of the keyed service' },
        },
        fixture: { command: node, args: [join(import.meta.dirname, '..', 'fixtures', 'upstream-fixture.mjs')], timeout: 1, isolation: 'shared' },
      },
    };
    writeFileSync(join(dir, 'servers.json'), JSON.stringify(servers));
    env = { SERVERS_FILE: join(dir, 'servers.json') };
    gh = await startGatehouse(env);
  });

  after(async () => {
    await gh?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists the configured servers, who may use them and their secrets, before anything runs', async () => {
    const listed = json(await run(['servers', 'list', '--json']));
    assert.deepEqual(listed, [
      {
        name: 'everything',
        description: null,
        transport: 'stdio',
        isolation: 'shared',
        allow: '*',
        secrets: [],
        sessions: [],
        last_error: null,
      },
      {
        name: 'memory',
        description: null,
        transport: 'stdio',
        isolation: 'user',
        allow: { users: ['admin'], emails: [], groups: ['eng'] },
        secrets: [],
        sessions: [],
        last_error: null,
      },
      { name: 'notes', description: null, transport: 'stdio', isolation: 'user', allow: '*', secrets: [], sessions: [], last_error: null },
      { name: 'keyed', description: null, transport: 'http', isolation: 'user', allow: '*', secrets: ['API_KEY'], sessions: [], last_error: null },
      { name: 'fixture', description: null, transport: 'stdio', isolation: 'shared', allow: '*', secrets: [], sessions: [], last_error: null },
    ]);
  });

  it('shows the sessions the running instance registered, with usernames, pids and its label, and the last failed call', async () => {
    await call('/mcp/everything', 'tools/list');
    await call('/mcp/memory', 'tools/list');
    const timedOut = await call('/mcp/fixture', 'tools/call', { name: 'wait_forever', arguments: {} });
    assert.match(timedOut.result.content[0].text, /fixture did not answer within 1 s/);
    const running = gh.gatehouse.gateway!.sessions.status().sessions;
    const pidOf = (server: string) => running.find((session) => session.server === server)!.pid!;
    await until(async () => (await gh.gatehouse.storage.upstreamSessions.running(0)).length === 3, 'the registry rows');
    const admin = (await gh.gatehouse.storage.users.findByUsername(ADMIN.username))!;

    const listed = json(await run(['servers', 'list', '--json'])) as any[];
    const byName = new Map(listed.map((server) => [server.name, server]));
    const label = `${hostname()}:${process.pid}`;
    const session = (owner: string, userId: string | null, pid: number) => ({ user: owner, user_id: userId, pid, instance: label });
    const strip = (sessions: any[]) => sessions.map(({ user, user_id, pid, instance }) => ({ user, user_id, pid, instance }));
    assert.deepEqual(strip(byName.get('everything').sessions), [session('*', null, pidOf('everything'))]);
    assert.deepEqual(strip(byName.get('memory').sessions), [session('admin', admin.id, pidOf('memory'))]);
    assert.deepEqual(strip(byName.get('fixture').sessions), [session('*', null, pidOf('fixture'))]);
    assert.deepEqual(byName.get('notes').sessions, []);
    const { at, ...lastError } = byName.get('fixture').last_error;
    assert.deepEqual(lastError, { method: 'tools/call', target: 'wait_forever', outcome: 'refused', reason: 'timeout' });
    assert.ok(Math.abs(Date.parse(at) - Date.now()) < 60_000, at);
    assert.equal(byName.get('everything').last_error, null, 'listings are not calls');

    const table = await run(['servers', 'list']);
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.split('\n');
    assert.match(lines[0]!, /^NAME +TRANSPORT +ISOLATION +ALLOW +SECRETS +SESSIONS +LAST ERROR$/);
    assert.match(table.stdout, /^memory +stdio +user +users admin; groups eng +1$/m);
    assert.match(table.stdout, /^keyed +http +user +everyone +API_KEY +0$/m);
    assert.match(table.stdout, /^fixture +stdio +shared +everyone +1 +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d tools\/call wait_forever: refused \(timeout\)$/m);
    assert.match(table.stdout, /\nRunning sessions\nSERVER +USER +PID +INSTANCE +STARTED\n/);
    assert.match(
      table.stdout,
      new RegExp(`^memory +admin +${pidOf('memory')} +${label.replace(/[.]/g, '\\.')} +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d$`, 'm'),
    );
    assert.match(table.stdout, new RegExp(`^everything +\\(shared\\) +${pidOf('everything')} `, 'm'));
  });

  it('test starts a server on its own, lists its tools with timings, and stops it', async () => {
    const rowsBefore = await gh.gatehouse.storage.upstreamSessions.running(0);
    const result = json(await run(['servers', 'test', 'everything', '--json']));
    assert.equal(result.server, 'everything');
    assert.equal(result.user, null, 'a shared server runs for no one in particular');
    assert.match(result.protocol, /^\d{4}-\d{2}-\d{2}$/);
    assert.ok(Number.isInteger(result.connect_ms) && result.connect_ms >= 0);
    assert.ok(Number.isInteger(result.tools_list_ms) && result.tools_list_ms >= 0);
    const tools = new Map(result.tools.map((tool: { name: string; offered: boolean }) => [tool.name, tool.offered]));
    assert.equal(tools.get('echo'), true);
    assert.equal(tools.get('get-env'), false, 'denied by its tools filter');
    assert.deepEqual(result.warnings, []);
    assert.ok(Number.isInteger(result.pid));
    assert.equal(alive(result.pid), false, 'the process it started is gone');
    assert.deepEqual(await gh.gatehouse.storage.upstreamSessions.running(0), rowsBefore, 'a trial start is not registered');

    const printed = await run(['servers', 'test', 'memory']);
    assert.equal(printed.code, 0, printed.stderr);
    assert.equal(printed.stderr, databaseLine(gh.databaseUrl));
    assert.match(printed.stdout, /^server +memory \(stdio, isolation user\)$/m);
    assert.match(printed.stdout, /^user +admin$/m);
    assert.match(printed.stdout, /^protocol +\d{4}-\d{2}-\d{2}$/m);
    assert.match(printed.stdout, /^connect +\d+ ms \(start and initialize\)$/m);
    assert.match(printed.stdout, /^tools\/list +\d+ ms$/m);
    assert.match(printed.stdout, /^tools +9$/m);
    assert.match(printed.stdout, /^ {2}read_graph$/m);
    assert.match(printed.stdout, /Stopped memory\.\n$/);
    const pid = Number(/^pid +(\d+)$/m.exec(printed.stdout)![1]);
    assert.equal(alive(pid), false);
  });

  it('warns, in one line, of a per-user server whose processes would share their files', async () => {
    const warned = await run(['servers', 'test', 'notes']);
    assert.equal(warned.code, 0, warned.stderr);
    assert.equal(warned.stderr, databaseLine(gh.databaseUrl) + NO_USER_VALUES_WARNING);
    assert.match(warned.stdout, /^ {2}read_graph$/m);

    const asJson = await run(['servers', 'test', 'notes', '--json']);
    assert.equal(asJson.stderr, databaseLine(gh.databaseUrl) + NO_USER_VALUES_WARNING);
    assert.deepEqual(json(asJson).warnings, [NO_USER_VALUES_WARNING.slice('warning: '.length, -1)]);
  });

  it('refuses an unknown server naming the known ones, an unknown user, and a user without the secrets', async () => {
    assertRefused(await run(['servers', 'test', 'nope']), /^gatehouse: no server nope; the servers are everything, memory, notes, keyed, fixture\n$/);
    assertRefused(await run(['servers', 'test', 'memory', '--user', 'nobody']), /^gatehouse: no user nobody\n$/);
    assertRefused(
      await run(['servers', 'test', 'keyed']),
      new RegExp(`^gatehouse: keyed needs API_KEY from admin: they add it at ${gh.baseUrl}/account#connections\n$`),
    );
  });

  it('says what to set when there is no servers file', async () => {
    const hint = await run(['servers', 'list'], { SERVERS_FILE: '' });
    assert.deepEqual(hint, { code: 0, stdout: 'No upstream servers: SERVERS_FILE is not set, or every server in it is disabled.\n', stderr: '' });
    assert.deepEqual(json(await run(['servers', 'list', '--json'], { SERVERS_FILE: '' })), []);
  });
});
