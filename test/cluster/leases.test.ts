// Leases on the real Redis: one holder at a time, renewed while held, free again when released or when the holder
// stops renewing, and given up by a holder that finds another in its place.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { RedisLeases } from '../../src/cluster/leases.js';
import { connectRedis, type RedisConnections } from '../../src/cluster/redis.js';
import { createLogger } from '../../src/log.js';
import { onceOnly } from '../helpers/database.js';
import { until } from '../helpers/reference-servers.js';

const skip = !process.env.TEST_REDIS_URL ? 'set TEST_REDIS_URL (Redis) to run this test' : onceOnly;
const TTL_MS = 600;

describe('leases in Redis', { skip }, () => {
  let redis: RedisConnections;
  const open: RedisLeases[] = [];
  const lost: Record<string, string[]> = { a: [], b: [] };
  const leasesFor = (name: 'a' | 'b') => {
    const leases = new RedisLeases(
      redis,
      { instanceId: `instance-${name}`, url: `http://${name}.internal:3000` },
      { ttlMs: TTL_MS, onLost: (lease) => lost[name]!.push(lease), onError: () => undefined },
    );
    open.push(leases);
    return leases;
  };

  before(async () => {
    redis = await connectRedis(process.env.TEST_REDIS_URL!, `gatehouse-test-${randomBytes(4).toString('hex')}:`, createLogger('silent'), 'test');
  });
  after(async () => {
    for (const leases of open) await leases.close();
    await redis?.close();
  });

  it('gives a free lease to the first claimant and names it to the others', async () => {
    const [a, b] = [leasesFor('a'), leasesFor('b')];
    const claims = await Promise.all([a.claim('one'), b.claim('one')]);
    assert.equal(claims.filter((claim) => claim.mine).length, 1, 'exactly one instance holds it');
    const winner = claims[0]!.mine ? a : b;
    const other = winner === a ? b : a;
    assert.deepEqual(await other.claim('one'), { mine: false, holder: winner.self });
    assert.equal(winner.holds('one'), true);
    assert.equal(other.holds('one'), false);
    assert.deepEqual(await other.holder('one'), winner.self);
  });

  it('keeps a lease past its time while the holder renews it, and frees it on release', async () => {
    const [a, b] = [leasesFor('a'), leasesFor('b')];
    assert.equal((await a.claim('two')).mine, true);
    await new Promise((resolve) => setTimeout(resolve, TTL_MS * 2));
    assert.equal(a.holds('two'), true);
    b.forgetHolder('two');
    assert.equal((await b.claim('two')).mine, false);
    await a.release('two');
    assert.equal(a.holds('two'), false);
    b.forgetHolder('two');
    assert.equal((await b.claim('two')).mine, true);
  });

  it("frees a lease its holder stopped renewing (a crash) within the lease's time", async () => {
    const [a, b] = [leasesFor('a'), leasesFor('b')];
    assert.equal((await a.claim('three')).mine, true);
    await a.close(); // renewing stops; close releases, so put the lease back as a crashed holder would leave it
    await redis.commands.set(redis.key('lease:three'), `instance-a http://a.internal:3000`, 'PX', TTL_MS);
    const started = Date.now();
    await until(async () => {
      b.forgetHolder('three');
      return (await b.claim('three')).mine;
    }, 'the lease to expire');
    assert.ok(Date.now() - started <= TTL_MS + 300);
  });

  it('tells a holder that finds another in its place, so it stops its work', async () => {
    const a = leasesFor('a');
    assert.equal((await a.claim('four')).mine, true);
    // Another instance took it (as after a Redis outage longer than the lease).
    await redis.commands.set(redis.key('lease:four'), 'instance-b http://b.internal:3000', 'PX', 10_000);
    await until(() => lost.a!.includes('four'), 'the loss to be noticed', 2_000);
    assert.equal(a.holds('four'), false);
  });

  it('keeps a lease it holds through a moment without Redis, and claims nothing new meanwhile', async () => {
    const own = await connectRedis(process.env.TEST_REDIS_URL!, `gatehouse-test-${randomBytes(4).toString('hex')}:`, createLogger('silent'), 'own');
    const leases = new RedisLeases(
      own,
      { instanceId: 'instance-c', url: 'http://c.internal:3000' },
      { ttlMs: 2_000, onLost: () => undefined, onError: () => undefined },
    );
    try {
      assert.equal((await leases.claim('five')).mine, true);
      own.commands.disconnect();
      // Past half its time it asks Redis, which fails, and the lease still holds by its own time (2 s).
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      assert.equal((await leases.claim('five')).mine, true);
      await assert.rejects(leases.claim('six'));
    } finally {
      await leases.close();
      await own.close();
    }
  });
});
