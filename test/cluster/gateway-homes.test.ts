// The gateway across instances: two real Gatehouse processes on one PostgreSQL and one Redis, in front of the
// reference memory server. Each keeps its memory files in a folder of its own, so a second copy of a user's process
// would show them different data: each user's process has one home, and every instance reaches it.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError } from '../../src/config.js';
import { createGatehouse } from '../../src/index.js';
import { createLogger } from '../../src/log.js';
import { deriveKey } from '../../src/keys/secrets.js';
import { ForwardProof, PROOF_HEADER } from '../../src/gateway/forward-proof.js';
import { FORWARD_PATH } from '../../src/gateway/forwarding.js';
import { hashPassword } from '../../src/identity/passwords.js';
import { openStorage } from '../../src/storage/index.js';
import { Browser, signInAndDecide } from '../helpers/browser.js';
import { cli } from '../helpers/cli.js';
import { needsServices, onceOnly } from '../helpers/database.js';
import { freePort } from '../helpers/free-port.js';
import { CLAUDE_REGISTRATION, TEST_JWT_SECRET } from '../helpers/gatehouse.js';
import { sendMcp } from '../helpers/mcp-request.js';
import { callTool, jsonRpcResult, pkce } from '../helpers/oauth.js';
import { alive, binOf, until } from '../helpers/reference-servers.js';
import { createCluster, type Cluster, type Instance } from './instances.js';

const USERS = { alice: 'alice password 123', bob: 'bob password 1234' } as const;
type User = keyof typeof USERS;

/** The memory server processes this test's instances run: pid, parent and the file each writes. */
function memoryProcesses(root: string): Array<{ pid: number; ppid: number; file: string }> {
  const found = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      const file = environ.find((line) => line.startsWith(`MEMORY_FILE_PATH=${root}`));
      if (!file) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      found.push({ pid: Number(entry), ppid, file: file.slice('MEMORY_FILE_PATH='.length) });
    } catch {
      // exited while we looked, or not ours to read
    }
  }
  return found;
}

describe('the gateway across instances: one home per user, reached from every instance', { skip: needsServices || onceOnly }, () => {
  let dir: string;
  let cluster: Cluster;
  const instances: Record<'a' | 'b', Instance> = {} as never;
  const ports: Record<'a' | 'b', number> = {} as never;
  const tokens = {} as Record<User, string>;
  const userIds = {} as Record<User, string>;
  const folders = (name: 'a' | 'b') => ({ GATEHOUSE_TEST_MEMORY_DIR: join(dir, name) });
  const start = async (name: 'a' | 'b') => (instances[name] = await cluster.start(ports[name], folders(name)));

  async function call(via: Instance, user: User, tool: string, args: Record<string, unknown> = {}) {
    const response = await callTool(`${via.url}/mcp/memory`, tokens[user], tool, args, AbortSignal.timeout(30_000));
    const body = await jsonRpcResult(response);
    return { status: response.status, body, text: JSON.stringify(body) };
  }
  const remember = (via: Instance, user: User, name: string) =>
    call(via, user, 'create_entities', { entities: [{ name, entityType: 'note', observations: [`${user} wrote this`] }] });
  const graph = (via: Instance, user: User) => call(via, user, 'read_graph');

  async function signIn(user: User, path = '/mcp/memory'): Promise<string> {
    const registered = await fetch(`${instances.a.url}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...CLAUDE_REGISTRATION, client_name: `Claude for ${user}` }),
    });
    const client = (await registered.json()) as { client_id: string; client_secret: string };
    const { verifier, challenge } = pkce();
    const url = new URL('/authorize', instances.a.url);
    const params = {
      response_type: 'code',
      client_id: client.client_id,
      redirect_uri: CLAUDE_REGISTRATION.redirect_uris[0]!,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      resource: `${cluster.baseUrl}${path}`,
    };
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
    const callback = await signInAndDecide(url, { username: user, password: USERS[user], browser: new Browser() });
    const exchanged = await fetch(`${instances.b.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: callback.searchParams.get('code')!,
        code_verifier: verifier,
        redirect_uri: CLAUDE_REGISTRATION.redirect_uris[0]!,
        client_id: client.client_id,
        client_secret: client.client_secret,
      }),
    });
    assert.equal(exchanged.status, 200);
    return ((await exchanged.json()) as { access_token: string }).access_token;
  }

  /** Each user's processes across both instances, by the file it writes: which instance's folder, and how many. */
  function homesOf(user: User) {
    return memoryProcesses(dir).filter((found) => found.file.endsWith(`memory-${userIds[user]}.jsonl`));
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-homes-'));
    for (const name of ['a', 'b']) mkdirSync(join(dir, name));
    const servers = {
      mcpServers: {
        everything: { command: process.execPath, args: [binOf('@modelcontextprotocol/server-everything'), 'stdio'], isolation: 'shared' },
        memory: {
          command: process.execPath,
          args: [binOf('@modelcontextprotocol/server-memory')],
          env: { MEMORY_FILE_PATH: '${GATEHOUSE_TEST_MEMORY_DIR}/memory-${user.id}.jsonl' },
        },
      },
    };
    writeFileSync(join(dir, 'servers.json'), JSON.stringify(servers));
    cluster = await createCluster({ SERVERS_FILE: join(dir, 'servers.json'), TOOLSET: 'none', SHUTDOWN_TIMEOUT: '5' });
    ports.a = new URL(cluster.baseUrl).port as unknown as number;
    ports.b = await freePort();
    await start('a');
    await start('b');
    const storage = await openStorage(cluster.database.url);
    try {
      for (const [username, password] of Object.entries(USERS)) {
        const created = await storage.users.create({ username, passwordHash: await hashPassword(password) });
        userIds[username as User] = created.id;
      }
    } finally {
      await storage.close();
    }
    for (const user of Object.keys(USERS) as User[]) tokens[user] = await signIn(user);
  });

  after(async () => {
    await cluster?.close();
    // A process left behind by an instance killed on purpose is this test's to end.
    for (const found of memoryProcesses(dir)) process.kill(found.pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it("serves a user's calls on either instance from one process, on one of them", async () => {
    for (let i = 0; i < 6; i++) {
      const via = i % 2 === 0 ? instances.a : instances.b;
      const created = await remember(via, 'alice', `alice-note-${i}`);
      assert.equal(created.status, 200);
      assert.equal(created.body.result?.isError, undefined, created.text);
      // Read back through the other instance: the same process, so the same memory.
      const other = via === instances.a ? instances.b : instances.a;
      const read = await graph(other, 'alice');
      for (let j = 0; j <= i; j++) assert.match(read.text, new RegExp(`alice-note-${j}`));
    }
    const homes = homesOf('alice');
    assert.equal(homes.length, 1, JSON.stringify(homes));
    // Her first call landed on A, which became her home: B forwarded to it.
    assert.equal(homes[0]!.ppid, instances.a.child.pid);
    assert.ok(homes[0]!.file.startsWith(join(dir, 'a')));
    // The operator sees the same: her one process, on A.
    const listed = await cli(cluster.database.url, ['servers', 'list', '--json'], { env: { ...cluster.env, ...folders('a') } });
    assert.equal(listed.code, 0, listed.stderr);
    const memory = (JSON.parse(listed.stdout) as Array<{ name: string; sessions: Array<{ user: string; instance: string; pid: number }> }>).find(
      (server) => server.name === 'memory',
    )!;
    assert.deepEqual(
      memory.sessions.filter((session) => session.user === 'alice').map((session) => [session.instance, session.pid]),
      [[instances.a.url, homes[0]!.pid]],
    );
  });

  it('keeps two users whose homes are on different instances apart', async () => {
    const created = await remember(instances.b, 'bob', 'bob-private-note');
    assert.equal(created.body.result?.isError, undefined, created.text);
    assert.equal(homesOf('bob').length, 1);
    assert.equal(homesOf('bob')[0]!.ppid, instances.b.child.pid);
    for (const via of [instances.a, instances.b]) {
      const bobs = await graph(via, 'bob');
      assert.match(bobs.text, /bob-private-note/);
      assert.doesNotMatch(bobs.text, /alice-note/);
      const alices = await graph(via, 'alice');
      assert.match(alices.text, /alice-note-5/);
      assert.doesNotMatch(alices.text, /bob-private-note/);
    }
  });

  it("streams a forwarded call's progress back through the instance that received it, in order, before the answer", async () => {
    const token = await signIn('alice', '/mcp/everything');
    const echoed = await jsonRpcResult(await callTool(`${instances.a.url}/mcp/everything`, token, 'echo', { message: 'A is home' }));
    assert.match(JSON.stringify(echoed), /A is home/);
    const response = await sendMcp(`${instances.b.url}/mcp/everything`, {
      era: '2026-07-28',
      method: 'tools/call',
      params: { name: 'trigger-long-running-operation', arguments: { duration: 0.3, steps: 3 }, _meta: { progressToken: 'forwarded' } },
      token,
    });
    assert.equal(response.status, 200);
    const messages = (await response.text())
      .split('\n')
      .filter((line) => line.startsWith('data:'))
      .map((line) => JSON.parse(line.slice(5)) as { method?: string; params?: { progress: number; progressToken: string }; result?: unknown });
    const progress = messages.filter((message) => message.method === 'notifications/progress');
    assert.deepEqual(
      progress.map((message) => [message.params!.progressToken, message.params!.progress]),
      [
        ['forwarded', 1],
        ['forwarded', 2],
        ['forwarded', 3],
      ],
    );
    assert.ok(messages.at(-1)!.result, 'the answer comes last');
    const metrics = await (await fetch(`${instances.b.url}/metrics`)).text();
    assert.match(metrics, /gatehouse_gateway_forwards_total\{server="everything",outcome="ok"\} [1-9]/);
  });

  it('refuses a forged internal request, and it starts nothing', async () => {
    const carol = { user: { id: 'carol-forged', username: 'carol' }, clientId: 'forged', scopes: ['mcp:tools'] };
    const body = JSON.stringify({ server: 'memory', method: 'tools/call', params: { name: 'read_graph', arguments: {} }, caller: carol });
    const send = (proof: string | undefined, text = body) =>
      fetch(`${instances.b.url}${FORWARD_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(proof !== undefined && { [PROOF_HEADER]: proof }) },
        body: text,
      });
    // What a client sees: the same refusal whatever is wrong, naming nothing.
    for (const proof of [undefined, 'v1.1.nonce.signature', 'not a proof']) {
      const refused = await send(proof);
      assert.equal(refused.status, 403);
      assert.deepEqual(await refused.json(), { error: 'forbidden' });
    }
    // Made with a key that is not this deployment's, or for another instance: refused too.
    const instanceB = await leaseHolderOf('bob');
    const wrongKey = new ForwardProof(deriveKey('another deployment secret, not this one', 'gateway-forward'));
    assert.equal((await send(wrongKey.sign(instanceB, body))).status, 403);
    const right = new ForwardProof(deriveKey(TEST_JWT_SECRET, 'gateway-forward'));
    assert.equal((await send(right.sign('some-other-instance', body))).status, 403);
    // A good proof stuck onto another body, and a good proof used twice.
    const other = body.replace('read_graph', 'delete_entities');
    assert.equal((await send(right.sign(instanceB, body), other)).status, 403);
    const once = right.sign(instanceB, body);
    const first = await send(once);
    assert.equal(first.status, 409, 'B is not home to carol: a valid proof is answered, and told to go elsewhere');
    assert.equal((await send(once)).status, 403);
    assert.deepEqual(
      memoryProcesses(dir).filter((found) => found.file.includes('carol')),
      [],
    );
  });

  it("moves a user to the other instance when their home is killed: within the lease's time, no call hangs", async () => {
    const before = homesOf('alice');
    assert.equal(before[0]!.ppid, instances.a.child.pid);
    await instances.a.kill();
    const started = Date.now();
    const read = await graph(instances.b, 'alice');
    const took = Date.now() - started;
    assert.equal(read.status, 200);
    assert.equal(read.body.result?.isError, undefined, read.text);
    // A new process on B, with B's own (empty) file: what the crashed one held in memory is not pretended.
    assert.doesNotMatch(read.text, /alice-note/);
    assert.ok(took < 10_000, `took ${took} ms`);
    const now = homesOf('alice').filter((found) => alive(found.pid) && found.ppid === instances.b.child.pid);
    assert.equal(now.length, 1);
    // B stays ready with its peer gone: the lease rules decide, not the health check.
    assert.equal((await fetch(`${instances.b.url}/readyz`)).status, 200);
    const metrics = await (await fetch(`${instances.b.url}/metrics`)).text();
    assert.match(metrics, /gatehouse_gateway_lease_takeovers_total\{server="memory"\} [1-9]/);
    // The killed instance's process ends with its stdin: nothing of A's is left running.
    await until(() => !alive(before[0]!.pid), "the killed instance's memory process to exit", 10_000);
    await start('a');
  });

  it('survives a rolling restart: no call fails, and no process is left behind', async () => {
    let stop = false;
    const failures: string[] = [];
    let calls = 0;
    // A balancer: round robin, skipping an instance that refuses connections (as one does once it stops).
    const balance = async (user: User, turn: number) => {
      const order = turn % 2 === 0 ? [instances.a, instances.b] : [instances.b, instances.a];
      for (const via of order) {
        try {
          return await remember(via, user, `${user}-rolling-${turn}`);
        } catch (error) {
          const code = (error as { cause?: { code?: string } }).cause?.code;
          if (code !== 'ECONNREFUSED' && code !== 'UND_ERR_SOCKET' && code !== 'ECONNRESET') throw error;
        }
      }
      throw new Error('no instance accepted the call');
    };
    const load = (async () => {
      for (let turn = 0; !stop && turn < 2_000; turn++) {
        for (const user of ['alice', 'bob'] as const) {
          calls++;
          try {
            const answer = await balance(user, turn);
            if (answer.status !== 200 || answer.body.result?.isError || answer.body.error) failures.push(`${user}: ${answer.text}`);
          } catch (error) {
            failures.push(`${user}: ${(error as Error).message}`);
          }
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    for (const name of ['a', 'b'] as const) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const old = instances[name];
      const code = await old.stop();
      assert.equal(code, 0);
      await start(name);
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    stop = true;
    await load;
    assert.ok(calls > 20, `only ${calls} calls`);
    assert.deepEqual(failures, []);
    // Every memory process running belongs to a running instance, and each user has at most one.
    const running = memoryProcesses(dir).filter((found) => alive(found.pid));
    const parents = new Set([instances.a.child.pid, instances.b.child.pid]);
    for (const found of running) assert.ok(parents.has(found.ppid), `process ${found.pid} (parent ${found.ppid}) outlived its instance`);
    for (const user of ['alice', 'bob'] as const) assert.ok(homesOf(user).filter((found) => alive(found.pid)).length <= 1);
  });

  it('refuses to start with Redis and stdio servers but no INTERNAL_URL, saying why and how to fix it', async () => {
    const { INTERNAL_URL: _unset, ...env } = { ...cluster.env, ...folders('a'), INTERNAL_URL: undefined, PORT: '3999' };
    await assert.rejects(createGatehouse({ env: env as Record<string, string>, logger: createLogger('silent') }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /INTERNAL_URL is required when REDIS_URL is set and SERVERS_FILE runs stdio servers/);
      assert.match(error.message, /INTERNAL_URL=http:\/\/\{ip\}:3000/);
      return true;
    });
  });

  /** The instance id in a user's lease (the one that runs their process), read from Redis through the instance's registry. */
  async function leaseHolderOf(user: User): Promise<string> {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: cluster.database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ instance_id: string }>('select instance_id from upstream_sessions where owner = $1', [userIds[user]]);
      assert.equal(rows.length, 1);
      return rows[0]!.instance_id;
    } finally {
      await client.end();
    }
  }
});
