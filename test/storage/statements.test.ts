// Statements built and compiled once per database, then run with new values (src/storage/statements.ts), on the
// dialect under test: a real SQLite file by default.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openStorage, type Storage } from '../../src/storage/index.js';
import { statement } from '../../src/storage/statements.js';
import { createTestDatabase, suiteStorage } from '../helpers/database.js';

describe('statements', () => {
  const store = suiteStorage('statements');
  let storage: Storage;
  before(async () => {
    storage = await store.open();
  });
  after(async () => {
    await store.close();
  });

  let builds = 0;
  const insertUser = statement((db, values: { id: string; name: string; at: number }) => {
    builds++;
    return db.insertInto('users').values({ id: values.id, username: values.name, password_hash: 'x', created_at: values.at, disabled_at: values.at });
  });
  const findUser = statement((db, values: { id: string }) =>
    db.selectFrom('users').select(['username', 'created_at', 'disabled_at']).where('id', '=', values.id),
  );

  it('runs with new values each time, on the database and in a transaction, built once', async () => {
    const { db } = storage;
    await db.transaction().execute((trx) => insertUser.run(trx, { id: 'u-1', name: 'first', at: 1000 }));
    await insertUser.run(db, { at: 2000, name: 'second', id: 'u-2' });
    assert.deepEqual({ ...(await findUser.first(db, { id: 'u-1' })) }, { username: 'first', created_at: 1000, disabled_at: 1000 });
    assert.deepEqual({ ...(await findUser.first(db, { id: 'u-2' })) }, { username: 'second', created_at: 2000, disabled_at: 2000 });
    assert.equal(await findUser.first(db, { id: 'nobody' }), undefined);
    assert.equal(builds, 1);
  });

  it('runs on the transaction it is given: rolled back with it', async () => {
    const { db } = storage;
    await assert.rejects(
      db.transaction().execute(async (trx) => {
        await insertUser.run(trx, { id: 'u-3', name: 'third', at: 3000 });
        assert.equal((await findUser.first(trx, { id: 'u-3' }))?.username, 'third');
        throw new Error('roll back');
      }),
      /roll back/,
    );
    assert.equal(await findUser.first(db, { id: 'u-3' }), undefined);
  });

  it('builds again for another database, and runs there', async () => {
    const otherDir = mkdtempSync(join(tmpdir(), 'gatehouse-statements-'));
    const otherDatabase = await createTestDatabase(otherDir);
    const other = await openStorage(otherDatabase.url);
    try {
      const before = builds;
      await insertUser.run(other.db, { id: 'u-1', name: 'elsewhere', at: 4000 });
      await insertUser.run(other.db, { id: 'u-2', name: 'elsewhere too', at: 4000 });
      assert.equal(builds, before + 1);
      assert.equal((await findUser.first(other.db, { id: 'u-1' }))?.username, 'elsewhere');
      assert.equal((await findUser.first(storage.db, { id: 'u-1' }))?.username, 'first');
    } finally {
      await other.close();
      await otherDatabase.drop();
      rmSync(otherDir, { recursive: true, force: true });
    }
  });

  it('keeps the statement’s own constants, and counts the rows it changed', async () => {
    const { db } = storage;
    const disable = statement((db, values: { id: string; at: number }) =>
      db.updateTable('users').set({ disabled_at: values.at }).where('id', '=', values.id).where('username', '=', 'first'),
    );
    assert.equal(await disable.run(db, { id: 'u-2', at: 5000 }), 0, 'u-2 is not named "first"');
    assert.equal(await disable.run(db, { id: 'u-1', at: 5000 }), 1);
    assert.equal((await findUser.first(db, { id: 'u-1' }))?.disabled_at, 5000);
    const listUsers = statement((db) => db.selectFrom('users').select('id').orderBy('id'));
    assert.deepEqual(
      (await listUsers.all(db)).map((row) => row.id),
      ['u-1', 'u-2'],
    );
  });

  it('refuses a value the statement does not use, and compiles nothing', async () => {
    const find = statement((db, values: { id: string; typo: string }) => db.selectFrom('users').selectAll().where('id', '=', values.id));
    await assert.rejects(find.first(storage.db, { id: 'u-1', typo: 'x' }), /statement does not use typo/);
    await assert.rejects(find.first(storage.db, { id: 'u-1', typo: 'x' }), /statement does not use typo/);
  });

  it('refuses a value used in an expression instead of as a parameter', async () => {
    const later = statement((db, values: { id: string; at: number }) =>
      db
        .updateTable('users')
        .set({ disabled_at: values.at + 1000 })
        .where('id', '=', values.id),
    );
    await assert.rejects(later.run(storage.db, { id: 'u-1', at: 6000 }), /value at is used in an expression/);
    const quoted = statement((db, values: { name: string }) =>
      db
        .selectFrom('users')
        .selectAll()
        .where('username', '=', JSON.stringify([values.name])),
    );
    await assert.rejects(quoted.all(storage.db, { name: 'first' }), /reads name but does not pass it as a parameter/);
    assert.equal((await findUser.first(storage.db, { id: 'u-1' }))?.disabled_at, 5000);
  });

  it('refuses a run without one of its values', async () => {
    await assert.rejects(findUser.first(storage.db, {} as { id: string }), /value id is missing/);
  });
});
