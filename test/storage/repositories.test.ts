// Repositories on a real SQLite file: migrations, single-use codes, grant revocation, note search.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openStorage, type Storage } from '../../src/storage/index.js';

describe('storage', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-storage-'));
  const url = `sqlite:${join(dir, 'gatehouse.db')}`;
  let storage: Storage;
  let userId: string;

  before(async () => {
    storage = await openStorage(url);
    userId = (await storage.users.create({ username: 'alice', passwordHash: 'x' })).id;
    await storage.clients.create({
      clientId: 'c1',
      kind: 'dynamic',
      registrationTokenHash: null,
      secretHash: null,
      createdAt: Date.now(),
      metadata: {
        redirect_uris: ['https://a.example/cb'],
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code'],
        response_types: ['code'],
        client_name: 'App',
      },
    });
  });
  after(async () => {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** An unused code of client c1 for alice, valid for a minute from `now`. */
  const createCode = (codeHash: string, now: number) =>
    storage.codes.create({
      codeHash,
      clientId: 'c1',
      userId,
      redirectUri: 'https://a.example/cb',
      codeChallenge: 'c',
      scope: 'mcp:tools',
      resource: 'r',
      createdAt: now,
      expiresAt: now + 60_000,
    });

  it('applies migrations once: reopening the same file keeps the data', async () => {
    const again = await openStorage(url);
    assert.equal(await again.users.count(), 1);
    await again.close();
  });

  it('refuses a duplicate username', async () => {
    await assert.rejects(storage.users.create({ username: 'alice', passwordHash: 'y' }));
    assert.equal(await storage.users.count(), 1);
  });

  it('creates a user once when instances race to seed the same name', async () => {
    const created = await Promise.all([1, 2, 3].map(() => storage.users.createUnlessTaken({ username: 'seed', passwordHash: 'z' })));
    assert.deepEqual(created.sort(), [false, false, true]);
    assert.equal((await storage.users.findByUsername('seed'))?.passwordHash, 'z');
    assert.equal(await storage.users.count(), 2);
  });

  it('lets exactly one caller consume a code, even when racing', async () => {
    const now = Date.now();
    await createCode('h1', now);
    const results = await Promise.all(Array.from({ length: 5 }, () => storage.codes.consume('h1', Date.now())));
    assert.equal(results.filter(Boolean).length, 1);
  });

  it('revokes a grant once, drops its refresh tokens and tells listeners', async () => {
    const now = Date.now();
    await createCode('h2', now);
    await storage.grants.createFromCode(
      'h2',
      { id: 'g1', userId, clientId: 'c1', scope: 'mcp:tools', resource: 'r', createdAt: now },
      { tokenHash: 'rt1', expiresAt: now + 1000 },
    );
    assert.equal((await storage.codes.find('h2'))?.grantId, 'g1');
    assert.equal((await storage.grants.findRefreshToken('rt1'))?.grant.id, 'g1');
    assert.deepEqual(
      (await storage.grants.listActiveForUser(userId)).map((g) => g.clientName),
      ['App'],
    );

    const heard: string[] = [];
    storage.grants.onRevoke((id) => heard.push(id));
    assert.equal(await storage.grants.revoke('g1', Date.now()), true);
    assert.equal(await storage.grants.revoke('g1', Date.now()), false);
    assert.deepEqual(heard, ['g1']);
    assert.equal(await storage.grants.findRefreshToken('rt1'), undefined);
    assert.deepEqual(await storage.grants.listActiveForUser(userId), []);
    assert.deepEqual(
      (await storage.grants.revokedSince(now)).map((g) => g.id),
      ['g1'],
    );
  });

  it('redeems a code once: of exchanges racing for it, one creates its grant and the others create nothing', async () => {
    const now = Date.now();
    await createCode('h3', now);
    const redeemed = await Promise.all(
      ['g-race-1', 'g-race-2', 'g-race-3'].map((id, i) =>
        storage.grants.createFromCode(
          'h3',
          { id, userId, clientId: 'c1', scope: 'mcp:tools', resource: 'r', createdAt: now },
          { tokenHash: `rt-race-${i}`, expiresAt: now + 1000 },
        ),
      ),
    );
    assert.deepEqual(redeemed.filter(Boolean).length, 1);
    const winner = ['g-race-1', 'g-race-2', 'g-race-3'][redeemed.indexOf(true)]!;
    const code = await storage.codes.find('h3');
    assert.equal(code?.grantId, winner);
    assert.ok(code?.usedAt);
    for (const [i, id] of ['g-race-1', 'g-race-2', 'g-race-3'].entries()) {
      assert.equal(await storage.grants.find(id).then(Boolean), id === winner, `grant ${id}`);
      assert.equal(await storage.grants.findRefreshToken(`rt-race-${i}`).then(Boolean), id === winner, `refresh token of ${id}`);
    }
  });

  it('stores audit events recorded together, each stored once its record resolves, and one refused event spares the others', async () => {
    const recorded = await Promise.allSettled([
      storage.audit.record({ type: 'login.failed', userId, detail: { n: 1 } }),
      storage.audit.record({ type: 'login.failed', userId, detail: { n: 2 } }, Number.NaN), // at is required: refused
      storage.audit.record({ type: 'login.failed', userId, detail: { n: 3 } }),
    ]);
    assert.deepEqual(
      recorded.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    const stored = await storage.audit.list({ limit: 10, type: 'login.failed', userId });
    assert.deepEqual(stored.map((event) => event.detail?.n).sort(), [1, 3]);
    await storage.audit.record({ type: 'login.failed', userId, detail: { n: 4 } });
    assert.equal((await storage.audit.list({ limit: 10, type: 'login.failed', userId })).length, 3, 'stored by the time record resolves');
  });

  it("searches notes case-insensitively, treating % and _ literally, and only the owner's", async () => {
    const bob = (await storage.users.create({ username: 'bob', passwordHash: 'x' })).id;
    await storage.notes.create(userId, { title: 'Budget', body: 'spend 50% on rent' });
    await storage.notes.create(userId, { title: 'snake_case', body: 'naming' });
    await storage.notes.create(userId, { title: 'Plain', body: 'five hundred' });
    await storage.notes.create(bob, { title: 'budget too', body: '50% of it' });
    const titles = async (query: string) => (await storage.notes.search(userId, query)).map((n) => n.title).sort();
    assert.deepEqual(await titles('50%'), ['Budget']);
    assert.deepEqual(await titles('e_c'), ['snake_case']);
    assert.deepEqual(await titles('BUDGET'), ['Budget']);
    assert.deepEqual(await titles('%'), ['Budget']);
  });
});
