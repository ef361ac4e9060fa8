// Statements compiled once and run with new values (src/storage/compiled.ts), on the dialect under test.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { compiled } from '../../src/storage/compiled.js';
import { openStorage, type Storage } from '../../src/storage/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

describe('compiled statements', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-compiled-'));
  let database: TestDatabase;
  let storage: Storage;
  before(async () => {
    database = await createTestDatabase(dir);
    storage = await openStorage(database.url);
  });
  after(async () => {
    await storage.close();
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fills every place of a value, whatever order the values come in, run after run', async () => {
    const { db } = storage;
    const insert = compiled(db, ['id', 'name', 'at'], (slot) =>
      db.insertInto('users').values({ id: slot('id'), username: slot('name'), password_hash: 'x', created_at: slot('at'), disabled_at: slot('at') }),
    );
    const find = compiled(db, ['id'], (slot) => db.selectFrom('users').select(['username', 'created_at', 'disabled_at']).where('id', '=', slot('id')));
    await insert(db, { at: 1000, name: 'first', id: 'u-1' });
    await db.transaction().execute((trx) => insert(trx, { id: 'u-2', name: 'second', at: 2000 }));
    assert.deepEqual({ ...(await find(db, { id: 'u-1' })).rows[0] }, { username: 'first', created_at: 1000, disabled_at: 1000 });
    assert.deepEqual({ ...(await find(db, { id: 'u-2' })).rows[0] }, { username: 'second', created_at: 2000, disabled_at: 2000 });
    assert.equal((await find(db, { id: 'nobody' })).rows.length, 0);
  });

  it('keeps the statement’s own constants and counts affected rows', async () => {
    const { db } = storage;
    const disable = compiled(db, ['id', 'at'], (slot) =>
      db
        .updateTable('users')
        .set({ disabled_at: slot('at') })
        .where('id', '=', slot('id'))
        .where('username', '=', 'first'),
    );
    assert.equal((await disable(db, { id: 'u-2', at: 3000 })).numAffectedRows, 0n, 'u-2 is not named "first"');
    assert.equal((await disable(db, { id: 'u-1', at: 3000 })).numAffectedRows, 1n);
  });

  it('refuses a named value the statement never uses', () => {
    const { db } = storage;
    assert.throws(() => compiled(db, ['id', 'typo'], (slot) => db.selectFrom('users').selectAll().where('id', '=', slot('id'))), /does not use typo/);
  });
});
