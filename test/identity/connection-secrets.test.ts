// Per-user secrets for upstream servers: they round-trip, are stored only encrypted (and bound to their row), and
// values that cannot be a secret are refused before anything is stored.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { checkSecretValue, ConnectionSecrets, InvalidSecretValue, MAX_SECRET_LENGTH } from '../../src/identity/connection-secrets.js';
import { deriveKey } from '../../src/keys/secrets.js';
import type { Storage } from '../../src/storage/index.js';
import { suiteStorage } from '../helpers/database.js';
import { TEST_JWT_SECRET } from '../helpers/gatehouse.js';

const DECLARED = { GITHUB_TOKEN: 'A GitHub token with the repo scope', GITHUB_HOST: 'Your GitHub Enterprise host' };

describe('connection secrets', () => {
  const store = suiteStorage('connection-secrets');
  const key = deriveKey(TEST_JWT_SECRET, 'upstream-secrets');
  let storage: Storage;
  let secrets: ConnectionSecrets;
  let alice: string;
  let bob: string;

  before(async () => {
    storage = await store.open();
    secrets = new ConnectionSecrets(storage.upstreamSecrets, key);
    alice = (await storage.users.create({ username: 'alice', passwordHash: 'x' })).id;
    bob = (await storage.users.create({ username: 'bob', passwordHash: 'x' })).id;
  });
  after(async () => {
    await store.close();
  });

  const rawRows = () => storage.db.selectFrom('upstream_secrets').selectAll().execute();

  it('round-trips a value, trimmed, and reports which declared secrets are set', async () => {
    await secrets.save(alice, 'github', 'GITHUB_TOKEN', '  ghp_roundTripValue123  \t', 1000);
    assert.deepEqual(await secrets.values(alice, 'github'), { GITHUB_TOKEN: 'ghp_roundTripValue123' });
    assert.deepEqual(await secrets.status(alice, 'github', DECLARED), [
      { name: 'GITHUB_TOKEN', description: DECLARED.GITHUB_TOKEN, saved: true, updatedAt: 1000 },
      { name: 'GITHUB_HOST', description: DECLARED.GITHUB_HOST, saved: false },
    ]);
    assert.deepEqual(await secrets.values(bob, 'github'), {}, "another user's are not theirs");
  });

  it('keeps no plain copy in the table', async () => {
    const plaintext = 'ghp_NeverStoredInTheClear_0123456789';
    await secrets.save(alice, 'github', 'GITHUB_TOKEN', plaintext, 2000);
    const dump = JSON.stringify(await rawRows());
    assert.ok(!dump.includes(plaintext), 'the value does not appear in any raw row');
    assert.ok(!dump.includes(Buffer.from(plaintext).toString('base64')), 'not even base64-encoded');
    assert.equal((await secrets.values(alice, 'github')).GITHUB_TOKEN, plaintext);
  });

  it('replaces and removes', async () => {
    await secrets.save(alice, 'github', 'GITHUB_TOKEN', 'ghp_replacement', 3000);
    assert.equal((await secrets.values(alice, 'github')).GITHUB_TOKEN, 'ghp_replacement');
    assert.equal(await secrets.remove(alice, 'github', 'GITHUB_TOKEN'), true);
    assert.equal(await secrets.remove(alice, 'github', 'GITHUB_TOKEN'), false);
    assert.deepEqual(await secrets.values(alice, 'github'), {});
    assert.equal((await secrets.status(alice, 'github', DECLARED))[0]!.saved, false);
  });

  it('does not open a ciphertext moved to another row, or sealed under another key', async () => {
    await secrets.save(alice, 'github', 'GITHUB_TOKEN', 'ghp_alices', 4000);
    const [row] = await storage.db.selectFrom('upstream_secrets').selectAll().where('user_id', '=', alice).execute();
    await storage.upstreamSecrets.save(bob, 'github', 'GITHUB_TOKEN', row!.value_encrypted, 4000);
    assert.deepEqual(await secrets.values(bob, 'github'), {}, "alice's ciphertext in bob's row does not open");
    assert.equal((await secrets.status(bob, 'github', DECLARED))[0]!.saved, false, 'and counts as not set');
    const rotated = new ConnectionSecrets(storage.upstreamSecrets, deriveKey('another-jwt-secret-0123456789-abcdefghijkl', 'upstream-secrets'));
    assert.deepEqual(await rotated.values(alice, 'github'), {}, 'a changed JWT_SECRET leaves the value unreadable, not garbled');
    await storage.upstreamSecrets.remove(bob, 'github', 'GITHUB_TOKEN');
  });

  const refused: [string, string, RegExp][] = [
    ['empty', '', /empty/],
    ['only spaces', ' \t  ', /empty/],
    ['too long', 'x'.repeat(MAX_SECRET_LENGTH + 1), /longer than 8192/],
    ['a line feed', 'ghp_abc\ndef', /control character/],
    ['a carriage return', 'ghp_abc\rX-Injected: 1', /control character/],
    ['a NUL', 'ghp_abc\u0000def', /control character/],
    ['another control character', 'ghp_abc\u001bdef', /control character/],
  ];
  for (const [what, value, message] of refused) {
    it(`refuses ${what}, and stores nothing`, async () => {
      const before = await rawRows();
      await assert.rejects(secrets.save(bob, 'github', 'GITHUB_TOKEN', value), (error: unknown) => {
        assert.ok(error instanceof InvalidSecretValue);
        assert.match(error.message, message);
        if (value.trim()) assert.ok(!error.message.includes(value.trim()), 'the message never repeats the value');
        return true;
      });
      assert.deepEqual(await rawRows(), before);
    });
  }

  it('accepts the longest value allowed, and inner spaces', () => {
    assert.equal(checkSecretValue('x'.repeat(MAX_SECRET_LENGTH)).length, MAX_SECRET_LENGTH);
    assert.equal(checkSecretValue(' Bearer abc def '), 'Bearer abc def');
  });
});
