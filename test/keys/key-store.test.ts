import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeProtectedHeader } from 'jose';
import { KeyStore } from '../../src/keys/key-store.js';
import { decrypt, deriveKey, encrypt } from '../../src/keys/secrets.js';
import { openStorage, type Storage } from '../../src/storage/index.js';
import { createPostgresDatabase } from '../helpers/database.js';

const SECRET = 'key-store-test-secret-0123456789abcdef';

describe('signing keys', () => {
  let storage: Storage;
  before(async () => {
    storage = await openStorage('sqlite::memory:');
  });
  after(() => storage.close());

  it('creates one ES256 key on first open and reuses it afterwards', async () => {
    const first = await KeyStore.open(storage.signingKeys, SECRET);
    const second = await KeyStore.open(storage.signingKeys, SECRET);
    assert.equal(first.jwks.keys.length, 1);
    assert.deepEqual(second.jwks, first.jwks);
    const token = await second.sign({ sub: 'x' }, 'at+jwt');
    assert.equal(decodeProtectedHeader(token).kid, first.jwks.keys[0]!.kid);
    const { payload } = await first.verify(token, {});
    assert.equal(payload.sub, 'x');
  });

  it(
    'agrees on one first key when instances open an empty PostgreSQL database together',
    { skip: !process.env.TEST_DATABASE_URL && 'set TEST_DATABASE_URL (PostgreSQL) to run this test' },
    async () => {
      const database = await createPostgresDatabase();
      const instances = await Promise.all([1, 2, 3].map(() => openStorage(database.url)));
      try {
        const stores = await Promise.all(instances.map((instance) => KeyStore.open(instance.signingKeys, SECRET)));
        const kids = stores.map((store) => store.jwks.keys.map((key) => key.kid).join());
        assert.equal(new Set(kids).size, 1, `every instance signs with the same key: ${kids.join(' / ')}`);
        assert.equal((await instances[0]!.signingKeys.listAll()).length, 1);
      } finally {
        await Promise.all(instances.map((instance) => instance.close()));
        await database.drop();
      }
    },
  );

  it('stores the private key only encrypted', async () => {
    const [row] = await storage.db.selectFrom('signing_keys').selectAll().execute();
    assert.ok(row);
    assert.ok(!row.private_jwk_encrypted.includes('"d"'), 'no plaintext private JWK');
    const privateJwk = JSON.parse(decrypt(deriveKey(SECRET, 'signing-key-encryption'), row.private_jwk_encrypted));
    assert.equal(typeof privateJwk.d, 'string');
    assert.equal(JSON.parse(row.public_jwk).d, undefined);
    await assert.rejects(KeyStore.open(storage.signingKeys, 'a-different-secret-of-enough-length!!'), /JWT_SECRET differs/);
  });

  it('derives a distinct key per purpose and detects tampering', () => {
    assert.notDeepEqual(deriveKey(SECRET, 'csrf'), deriveKey(SECRET, 'authorization-request'));
    const key = deriveKey(SECRET, 'signing-key-encryption');
    const sealed = encrypt(key, 'hello');
    assert.equal(decrypt(key, sealed), 'hello');
    const [iv, ct, tag] = sealed.split('.');
    const flipped = Buffer.from(ct!, 'base64url');
    flipped[0]! ^= 1;
    assert.throws(() => decrypt(key, [iv, flipped.toString('base64url'), tag].join('.')));
  });
});
