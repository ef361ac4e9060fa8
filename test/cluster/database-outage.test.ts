// A lost database connection is an outage to report, not a crash: /readyz says so, requests fail cleanly, and
// service resumes by itself once the database is back.
import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createPostgresDatabase, onceOnly, type TestDatabase } from '../helpers/database.js';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';

/** A TCP relay in front of PostgreSQL that the test can cut and restore. */
async function startRelay(target: URL) {
  const [host, port] = [target.hostname, Number(target.port || 5432)];
  const sockets = new Set<Socket>();
  let open = true;
  const server: Server = createServer((client) => {
    if (!open) return client.destroy();
    const upstream = connect(port, host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => socket.destroy());
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    cut() {
      open = false;
      for (const socket of sockets) socket.destroy();
    },
    restore() {
      open = true;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('database outage', { skip: !process.env.TEST_DATABASE_URL ? 'set TEST_DATABASE_URL (PostgreSQL) to run this test' : onceOnly }, () => {
  let database: TestDatabase;
  let relay: Awaited<ReturnType<typeof startRelay>>;
  let gh: TestGatehouse;

  before(async () => {
    database = await createPostgresDatabase();
    const url = new URL(database.url);
    relay = await startRelay(url);
    url.hostname = '127.0.0.1';
    url.port = String(relay.port);
    gh = await startGatehouse({ DATABASE_URL: url.href, DATABASE_POOL_SIZE: '2' });
  });
  after(async () => {
    await gh?.close();
    await relay?.close();
    await database?.drop();
  });

  it('reports the outage on /readyz, answers 500 without detail, and recovers on its own', { timeout: 30_000 }, async () => {
    assert.equal((await gh.fetch('/readyz')).status, 200);
    relay.cut();
    const down = await gh.fetch('/readyz');
    assert.equal(down.status, 503);
    assert.deepEqual(await down.json(), { status: 'unavailable', database: 'unreachable' });
    assert.equal((await gh.fetch('/healthz')).status, 200, 'the process is alive');
    const register = await gh.register();
    assert.equal(register.status, 500);
    assert.match((await register.json()).error_description, /^internal error; request id /);

    relay.restore();
    const deadline = Date.now() + 10_000;
    while ((await gh.fetch('/readyz')).status !== 200) {
      assert.ok(Date.now() < deadline, 'the database came back within 10 s');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.equal((await gh.register()).status, 201);
  });
});
