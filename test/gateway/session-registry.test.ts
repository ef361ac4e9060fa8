// The registry an instance keeps of its upstream sessions in the database: writes in the order they were asked for,
// a heartbeat that keeps its rows fresh (and writes them again if another instance swept them), dead instances
// swept, its own rows forgotten when it stops, and a database that refuses never failing a call.
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { parseServers } from '../../src/gateway/servers-file.js';
import { StoredSessionRegistry, type RegistryStore, type SessionRegistry } from '../../src/gateway/session-registry.js';
import { inheritedEnvironment } from '../../src/gateway/process-transport.js';
import { UpstreamSessions, type Launch } from '../../src/gateway/upstream-sessions.js';
import { createLogger } from '../../src/log.js';
import type { Storage } from '../../src/storage/index.js';
import { suiteStorage } from '../helpers/database.js';
import { alive, binOf, until } from '../helpers/reference-servers.js';

describe('the stored session registry', () => {
  const store = suiteStorage('session-registry');
  let storage: Storage;
  const registries: StoredSessionRegistry[] = [];
  const silent = createLogger('silent');
  const rows = () => storage.upstreamSessions.running(0);

  function registry(options: { heartbeatMs?: number; staleAfterMs?: number; store?: RegistryStore } = {}) {
    const created = new StoredSessionRegistry({ store: storage.upstreamSessions, logger: silent, instanceId: `instance-${registries.length}`, ...options });
    registries.push(created);
    return created;
  }

  before(async () => {
    storage = await store.open();
  });
  beforeEach(async () => {
    // An earlier test's registry would write its sessions again on its next heartbeat.
    for (const created of registries) await created.close();
    await storage.db.deleteFrom('upstream_sessions').execute();
  });
  after(async () => {
    for (const created of registries) await created.close();
    await store.close();
  });

  it('records started sessions with the instance label, removes stopped ones, in the order asked', async () => {
    const sessions = registry();
    assert.match(sessions.instanceLabel, new RegExp(`:${process.pid}$`));
    sessions.started('memory', 'user-1', 4242, 1_000);
    sessions.started('files', 'user-1', 4343, 1_100);
    sessions.stopped('files', 'user-1');
    sessions.started('everything', '*', undefined, 1_200);
    await until(async () => (await rows()).some((row) => row.server === 'everything'), 'the last write');
    assert.deepEqual(
      (await rows()).map((row) => [row.server, row.owner, row.pid, row.startedAt, row.instanceId, row.instanceLabel]),
      [
        ['everything', '*', null, 1_200, sessions.instanceId, sessions.instanceLabel],
        ['memory', 'user-1', 4242, 1_000, sessions.instanceId, sessions.instanceLabel],
      ],
    );
    await sessions.close();
    assert.deepEqual(await rows(), [], 'closing forgets the instance');
    sessions.started('memory', 'user-2', 1, 2_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(await rows(), [], 'nothing is recorded after close');
  });

  it('sweeps rows of instances not seen for a while at start, and keeps its own fresh on each heartbeat', async () => {
    const now = Date.now();
    const dead = { instanceLabel: 'gone:1', server: 'memory', owner: 'user-1', pid: 9, startedAt: now - 60_000 };
    await storage.upstreamSessions.started({ ...dead, instanceId: 'dead', seenAt: now - 60_000 });
    await storage.upstreamSessions.started({ ...dead, instanceId: 'alive', seenAt: now });
    const sessions = registry({ heartbeatMs: 40, staleAfterMs: 30_000 });
    sessions.started('memory', 'user-1', 4242, now);
    // One read per check: two reads could see the rows before the sweep, then after it but before this one's write.
    await until(async () => {
      const seen = (await rows()).map((row) => row.instanceId);
      return seen.length === 2 && !seen.includes('dead') && seen.includes(sessions.instanceId);
    }, 'the sweep, and this instance’s row');
    const first = (await rows()).find((row) => row.instanceId === sessions.instanceId)!;
    await until(async () => (await rows()).find((row) => row.instanceId === sessions.instanceId)!.seenAt > first.seenAt, 'a heartbeat', 2_000);
    assert.deepEqual(
      (await rows()).map((row) => row.instanceId),
      ['alive', sessions.instanceId],
    );
  });

  it('writes its sessions again when another instance swept them', async () => {
    const sessions = registry({ heartbeatMs: 40 });
    sessions.started('memory', 'user-1', 4242, 1_000);
    sessions.started('files', 'user-1', 4343, 1_000);
    await until(async () => (await rows()).length === 2, 'both rows');
    await storage.upstreamSessions.forget(sessions.instanceId);
    await until(async () => (await rows()).length === 2, 'the rows written again', 2_000);
    assert.deepEqual(
      (await rows()).map((row) => [row.server, row.pid, row.startedAt]),
      [
        ['files', 4343, 1_000],
        ['memory', 4242, 1_000],
      ],
    );
  });

  it('logs a refused write and goes on: nothing is thrown to the caller', async () => {
    const logged: { msg: string; err?: { message: string } }[] = [];
    const logger = createLogger('warn', { write: (line: string) => void logged.push(JSON.parse(line)) });
    const refuse = () => Promise.reject(new Error('database is away'));
    const store: RegistryStore = { started: refuse, stopped: refuse, heartbeat: refuse, forget: refuse, sweep: refuse };
    const sessions = new StoredSessionRegistry({ store, logger, instanceId: 'refused', heartbeatMs: 60_000 });
    sessions.started('memory', 'user-1', 1, 1);
    sessions.stopped('memory', 'user-1');
    await sessions.close();
    assert.deepEqual(
      logged.map((entry) => [entry.msg, entry.err?.message]),
      [
        ['upstream session registry: sweep not recorded', 'database is away'],
        ['upstream session registry: started not recorded', 'database is away'],
        ['upstream session registry: stopped not recorded', 'database is away'],
        ['upstream session registry: forget not recorded', 'database is away'],
      ],
    );
  });
});

describe('UpstreamSessions tells its registry', () => {
  it('of a session once it has connected, with its pid, and of its end; never of a start that failed as started', async () => {
    const calls: unknown[][] = [];
    const registry: SessionRegistry = {
      started: (...args) => void calls.push(['started', ...args]),
      stopped: (...args) => void calls.push(['stopped', ...args]),
    };
    const [server, broken] = parseServers(
      { mcpServers: { memory: { command: process.execPath, args: [binOf('@modelcontextprotocol/server-memory')] }, broken: { command: 'x', timeout: 5 } } },
      'servers.json',
      {},
    );
    const sessions = new UpstreamSessions({
      logger: createLogger('silent'),
      idleTimeoutMs: 60_000,
      registry,
      inheritedEnvironment: inheritedEnvironment(process.env),
    });
    const launch: Launch = { transport: 'stdio', command: process.execPath, args: [binOf('@modelcontextprotocol/server-memory')], env: {} };
    try {
      await sessions.use(server!, 'user-1', launch, (client) => client.listTools());
      const [running] = sessions.status().sessions;
      assert.deepEqual(calls, [['started', 'memory', 'user-1', running!.pid, running!.startedAt]]);
      const missing: Launch = { transport: 'stdio', command: join(tmpdir(), 'gatehouse-no-such-command'), args: [], env: {} };
      await assert.rejects(sessions.use(broken!, 'user-1', missing, (client) => client.listTools()));
      assert.deepEqual(calls.slice(1), [['stopped', 'broken', 'user-1']], 'a start that failed is never told as started, only as gone');
      calls.splice(1);
      await sessions.close();
      assert.deepEqual(calls.slice(1), [['stopped', 'memory', 'user-1']]);
      assert.equal(alive(running!.pid!), false);
    } finally {
      await sessions.close();
    }
  });
});
