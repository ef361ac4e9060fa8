// The upstream-secrets repository and the groups remembered from sign-in, on the dialect under test (a SQLite
// file, or PostgreSQL with TEST_DIALECT=postgres).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Storage } from '../../src/storage/index.js';
import { suiteStorage } from '../helpers/database.js';

describe('upstream secrets repository', () => {
  const store = suiteStorage('upstream-secrets');
  let storage: Storage;
  let alice: string;
  let bob: string;

  before(async () => {
    storage = await store.open();
    alice = (await storage.users.create({ username: 'alice', passwordHash: 'x' })).id;
    bob = (await storage.users.create({ username: 'bob', passwordHash: 'x' })).id;
  });
  after(async () => {
    await store.close();
  });

  it('saves, replaces in place, lists names with their time, and hands back the sealed values', async () => {
    await storage.upstreamSecrets.save(alice, 'github', 'GITHUB_TOKEN', 'sealed-1', 1000);
    await storage.upstreamSecrets.save(alice, 'github', 'GITHUB_HOST', 'sealed-h', 1500);
    await storage.upstreamSecrets.save(alice, 'github', 'GITHUB_TOKEN', 'sealed-2', 2000);
    assert.deepEqual(await storage.upstreamSecrets.names(alice, 'github'), [
      { name: 'GITHUB_HOST', updatedAt: 1500 },
      { name: 'GITHUB_TOKEN', updatedAt: 2000 },
    ]);
    assert.deepEqual(await storage.upstreamSecrets.sealedValues(alice, 'github'), { GITHUB_HOST: 'sealed-h', GITHUB_TOKEN: 'sealed-2' });
    const rows = await storage.db.selectFrom('upstream_secrets').selectAll().where('user_id', '=', alice).execute();
    assert.equal(rows.length, 2, 'a replacement updates the row, it adds none');
  });

  it('keeps users and servers apart', async () => {
    await storage.upstreamSecrets.save(bob, 'github', 'GITHUB_TOKEN', 'bobs', 3000);
    await storage.upstreamSecrets.save(alice, 'linear', 'LINEAR_API_KEY', 'alices-linear', 3000);
    assert.deepEqual(await storage.upstreamSecrets.sealedValues(bob, 'github'), { GITHUB_TOKEN: 'bobs' });
    assert.deepEqual(await storage.upstreamSecrets.sealedValues(alice, 'linear'), { LINEAR_API_KEY: 'alices-linear' });
    assert.equal((await storage.upstreamSecrets.sealedValues(alice, 'github')).GITHUB_TOKEN, 'sealed-2');
    assert.deepEqual(await storage.upstreamSecrets.names(bob, 'linear'), []);
    assert.deepEqual(await storage.upstreamSecrets.sealedValues(bob, 'nowhere'), {});
  });

  it('removes one secret, and says whether there was one', async () => {
    assert.equal(await storage.upstreamSecrets.remove(alice, 'github', 'GITHUB_HOST'), true);
    assert.equal(await storage.upstreamSecrets.remove(alice, 'github', 'GITHUB_HOST'), false);
    assert.equal(await storage.upstreamSecrets.remove(bob, 'github', 'GITHUB_HOST'), false);
    assert.deepEqual(
      (await storage.upstreamSecrets.names(alice, 'github')).map((entry) => entry.name),
      ['GITHUB_TOKEN'],
    );
    assert.deepEqual(await storage.upstreamSecrets.sealedValues(bob, 'github'), { GITHUB_TOKEN: 'bobs' }, "bob's is untouched");
  });

  it("goes with its user: deleting the user deletes the user's secrets", async () => {
    const carol = (await storage.users.create({ username: 'carol', passwordHash: 'x' })).id;
    await storage.upstreamSecrets.save(carol, 'github', 'GITHUB_TOKEN', 'carols', 4000);
    await storage.db.deleteFrom('users').where('id', '=', carol).execute();
    const left = await storage.db.selectFrom('upstream_secrets').select('name').where('user_id', '=', carol).execute();
    assert.deepEqual(left, []);
  });

  it('refuses a secret for a user who does not exist', async () => {
    await assert.rejects(storage.upstreamSecrets.save('no-such-user', 'github', 'GITHUB_TOKEN', 'x', 5000));
  });
});

describe('identity profiles', () => {
  const store = suiteStorage('profiles');
  let storage: Storage;

  before(async () => {
    storage = await store.open();
  });
  after(async () => {
    await store.close();
  });

  it('remembers the groups named at sign-in, replacing them at the next one', async () => {
    const identity = { issuer: 'https://idp.example', subject: 's-1', preferredUsername: 'dana', email: 'dana@example.com' };
    const user = await storage.identities.resolve({ ...identity, groups: ['engineering', 'mcp-users'] }, 1000);
    assert.deepEqual(await storage.identities.profile(user.id), { email: 'dana@example.com', groups: ['engineering', 'mcp-users'] });
    await storage.identities.resolve({ ...identity, groups: ['engineering'] }, 2000);
    assert.deepEqual((await storage.identities.profile(user.id)).groups, ['engineering'], 'a group no longer named stops counting');
    await storage.identities.resolve(identity, 3000);
    assert.deepEqual((await storage.identities.profile(user.id)).groups, ['engineering'], 'a sign-in that was not told groups keeps them');
  });

  it("takes the latest sign-in's email and the union of every identity's groups", async () => {
    const user = await storage.identities.resolve(
      { issuer: 'https://idp.example', subject: 's-2', preferredUsername: 'erin', email: 'erin@old.example', groups: ['sales', 'ops'] },
      1000,
    );
    // A second identity of the same user (as the CLI or a later linking step would record it).
    await storage.db
      .insertInto('user_identities')
      .values({
        issuer: 'https://github.com',
        subject: '42',
        user_id: user.id,
        email: 'erin@new.example',
        name: null,
        created_at: 2000,
        last_login_at: 2000,
        tokens_encrypted: null,
        groups: JSON.stringify(['acme', 'ops']),
      })
      .execute();
    assert.deepEqual(await storage.identities.profile(user.id), { email: 'erin@new.example', groups: ['acme', 'ops', 'sales'] });
    await storage.identities.resolve({ issuer: 'https://idp.example', subject: 's-2', preferredUsername: 'erin', email: 'erin@old.example' }, 3000);
    assert.equal((await storage.identities.profile(user.id)).email, 'erin@old.example', 'the identity used last decides');
  });

  it('has no email and no groups for a password user', async () => {
    const user = await storage.users.create({ username: 'local', passwordHash: 'x' });
    assert.deepEqual(await storage.identities.profile(user.id), { groups: [] });
  });
});
