// The registry of running upstream sessions, on the dialect under test (a SQLite file, or PostgreSQL with
// TEST_DIALECT=postgres): upserts, heartbeats per instance, forgetting one instance, and sweeping dead ones.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Storage } from '../../src/storage/index.js';
import type { UpstreamSessionRow } from '../../src/storage/upstream-sessions.js';
import { suiteStorage } from '../helpers/database.js';

const row = (overrides: Partial<UpstreamSessionRow>): UpstreamSessionRow => ({
  instanceId: 'instance-a',
  instanceLabel: 'host-a:100',
  server: 'memory',
  owner: 'user-1',
  pid: 4242,
  startedAt: 1_000,
  seenAt: 1_000,
  ...overrides,
});

describe('upstream sessions repository', () => {
  const store = suiteStorage('upstream-sessions');
  let storage: Storage;

  before(async () => {
    storage = await store.open();
  });
  beforeEach(async () => {
    await storage.db.deleteFrom('upstream_sessions').execute();
  });
  after(async () => {
    await store.close();
  });

  it('records a session, replaces it in place when it starts again, and lists it with every field', async () => {
    await storage.upstreamSessions.started(row({}));
    await storage.upstreamSessions.started(row({ pid: 5151, startedAt: 2_000, seenAt: 2_000, instanceLabel: 'host-a:101' }));
    await storage.upstreamSessions.started(row({ server: 'everything', owner: '*', pid: null, startedAt: 1_500, seenAt: 1_500 }));
    assert.deepEqual(await storage.upstreamSessions.running(0), [
      row({ server: 'everything', owner: '*', pid: null, startedAt: 1_500, seenAt: 1_500 }),
      row({ pid: 5151, startedAt: 2_000, seenAt: 2_000, instanceLabel: 'host-a:101' }),
    ]);
    const stored = await storage.db.selectFrom('upstream_sessions').selectAll().execute();
    assert.equal(stored.length, 2, 'a restart updates the row, it adds none');
  });

  it('keeps instances apart: the same server and owner on two instances are two sessions', async () => {
    await storage.upstreamSessions.started(row({}));
    await storage.upstreamSessions.started(row({ instanceId: 'instance-b', instanceLabel: 'host-b:200', pid: 7 }));
    assert.deepEqual(
      (await storage.upstreamSessions.running(0)).map((session) => [session.instanceLabel, session.pid]),
      [
        ['host-a:100', 4242],
        ['host-b:200', 7],
      ],
    );
    assert.equal(await storage.upstreamSessions.stopped('instance-b', 'memory', 'user-1'), true);
    assert.equal(await storage.upstreamSessions.stopped('instance-b', 'memory', 'user-1'), false, 'stopping twice finds nothing');
    assert.deepEqual(
      (await storage.upstreamSessions.running(0)).map((session) => session.instanceId),
      ['instance-a'],
    );
  });

  it('touches only its own instance on a heartbeat, and lists only what was seen since', async () => {
    await storage.upstreamSessions.started(row({}));
    await storage.upstreamSessions.started(row({ server: 'files' }));
    await storage.upstreamSessions.started(row({ instanceId: 'instance-b', seenAt: 1_000 }));
    assert.equal(await storage.upstreamSessions.heartbeat('instance-a', 9_000), 2);
    assert.equal(await storage.upstreamSessions.heartbeat('nobody', 9_000), 0);
    const running = await storage.upstreamSessions.running(5_000);
    assert.deepEqual(
      running.map((session) => [session.instanceId, session.server, session.seenAt, session.startedAt]),
      [
        ['instance-a', 'files', 9_000, 1_000],
        ['instance-a', 'memory', 9_000, 1_000],
      ],
    );
  });

  it('forgets every session of one instance, and sweeps those not seen since a time', async () => {
    await storage.upstreamSessions.started(row({}));
    await storage.upstreamSessions.started(row({ server: 'files' }));
    await storage.upstreamSessions.started(row({ instanceId: 'instance-b', seenAt: 3_000 }));
    await storage.upstreamSessions.started(row({ instanceId: 'instance-c', seenAt: 5_000 }));
    assert.equal(await storage.upstreamSessions.forget('instance-a'), 2);
    assert.equal(await storage.upstreamSessions.sweep(5_000), 1, 'seen before 5000: only instance-b');
    assert.deepEqual(
      (await storage.upstreamSessions.running(0)).map((session) => session.instanceId),
      ['instance-c'],
    );
    assert.equal(await storage.upstreamSessions.sweep(5_000), 0);
  });
});
