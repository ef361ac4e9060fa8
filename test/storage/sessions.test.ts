// The sessions repository on the dialect under test (a SQLite file, or PostgreSQL with TEST_DIALECT=postgres): what
// the account page lists, the user-scoped deletes behind its sign-out buttons, and migration 0009 on a database
// that already holds sessions.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Migrator, type Migration } from 'kysely/migration';
import { openDatabase } from '../../src/storage/database.js';
import { openStorage, type Storage } from '../../src/storage/index.js';
import { migrations } from '../../src/storage/migrations.js';
import { createTestDatabase, type TestDatabase, suiteStorage } from '../helpers/database.js';

const HOUR = 3_600_000;

describe('sessions repository', () => {
  const store = suiteStorage('sessions');
  let storage: Storage;
  let alice: string;
  let bob: string;
  const now = Date.now();

  before(async () => {
    storage = await store.open();
    alice = (await storage.users.create({ username: 'alice', passwordHash: 'x' })).id;
    bob = (await storage.users.create({ username: 'bob', passwordHash: 'x' })).id;
    const create = (idHash: string, userId: string, createdAt: number, userAgent?: string) =>
      storage.sessions.create({ idHash, userId, createdAt, expiresAt: createdAt + HOUR, userAgent });
    await create('a-old', alice, now - 3000, 'Firefox on Linux');
    await create('a-new', alice, now - 1000, 'Safari on iOS');
    await create('a-expired', alice, now - 2 * HOUR);
    await create('b-one', bob, now - 2000, 'Chrome on Windows');
  });
  after(async () => {
    await store.close();
  });

  it("lists a user's sessions in force, most recently seen first, with what was recorded", async () => {
    await storage.sessions.touch('a-old', now, now - 1);
    const listed = await storage.sessions.listActiveForUser(alice, now);
    assert.deepEqual(listed, [
      { idHash: 'a-old', createdAt: now - 3000, expiresAt: now - 3000 + HOUR, lastSeenAt: now, userAgent: 'Firefox on Linux' },
      { idHash: 'a-new', createdAt: now - 1000, expiresAt: now - 1000 + HOUR, lastSeenAt: now - 1000, userAgent: 'Safari on iOS' },
    ]);
    assert.deepEqual(
      (await storage.sessions.listActiveForUser(bob, now)).map((session) => session.idHash),
      ['b-one'],
    );
  });

  it('touches only a session last seen before the threshold', async () => {
    await storage.sessions.touch('a-new', now + 5, now - 2000);
    assert.equal((await storage.sessions.findActiveUser('a-new', now))!.lastSeenAt, now - 1000, 'seen since: not written');
    await storage.sessions.touch('a-new', now + 5, now);
    assert.equal((await storage.sessions.findActiveUser('a-new', now))!.lastSeenAt, now + 5);
  });

  it("deletes one session only when it is the user's own", async () => {
    assert.equal(await storage.sessions.deleteOfUser(alice, 'b-one'), false);
    assert.ok(await storage.sessions.findActiveUser('b-one', now), "bob's session is untouched");
    assert.equal(await storage.sessions.deleteOfUser(bob, 'b-one'), true);
    assert.equal(await storage.sessions.findActiveUser('b-one', now), undefined);
    assert.equal(await storage.sessions.deleteOfUser(bob, 'b-one'), false, 'only once');
  });

  it("deletes every other session of the user's, and no one else's", async () => {
    await storage.sessions.create({ idHash: 'b-two', userId: bob, createdAt: now, expiresAt: now + HOUR });
    assert.equal(await storage.sessions.deleteOthersOfUser(alice, 'a-new'), 2, 'a-old and the expired one');
    assert.deepEqual(
      (await storage.sessions.listActiveForUser(alice, now)).map((session) => session.idHash),
      ['a-new'],
    );
    assert.ok(await storage.sessions.findActiveUser('b-two', now));
  });
});

describe('migration 0009_session_details', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-sessions-migration-'));
  let database: TestDatabase;
  after(async () => {
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the sessions of a database from before it, with nothing recorded about them', async () => {
    database = await createTestDatabase(dir);
    const earlier = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < '0009'));
    const db = openDatabase(database.url, { poolSize: 1, onError: () => undefined });
    const migrator = new Migrator({ db, provider: { getMigrations: async (): Promise<Record<string, Migration>> => earlier } });
    const { error } = await migrator.migrateToLatest();
    assert.equal(error, undefined);
    const now = Date.now();
    const old = db as any; // the schema as it stood before 0009
    await old.insertInto('users').values({ id: 'u1', username: 'alice', password_hash: 'x', created_at: now }).execute();
    await old
      .insertInto('sessions')
      .values({ id_hash: 'h1', user_id: 'u1', created_at: now, expires_at: now + HOUR })
      .execute();
    await db.destroy();

    const storage = await openStorage(database.url);
    try {
      assert.deepEqual(await storage.sessions.listActiveForUser('u1', now), [
        { idHash: 'h1', createdAt: now, expiresAt: now + HOUR, lastSeenAt: null, userAgent: null },
      ]);
      assert.deepEqual(await storage.sessions.findActiveUser('h1', now), { id: 'u1', username: 'alice', lastSeenAt: null });
    } finally {
      await storage.close();
    }
  });
});
