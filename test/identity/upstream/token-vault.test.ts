// The upstream token vault: tokens kept encrypted, refreshed once shortly before they expire (however many tool calls
// ask at once), and forgotten when the provider refuses the refresh.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { UpstreamSignIn, UpstreamTokens } from '../../../src/identity/upstream/provider.js';
import { UpstreamTokenVault } from '../../../src/identity/upstream/token-vault.js';
import { deriveKey } from '../../../src/keys/secrets.js';
import { openStorage, type Storage } from '../../../src/storage/index.js';

/** A provider whose refresh the test controls; sign-in itself is covered end to end against oidc-provider. */
function provider(refresh: (tokens: UpstreamTokens) => Promise<UpstreamTokens>): UpstreamSignIn & { refreshes: number } {
  const fake = {
    id: 'oidc' as const,
    label: 'Test',
    issuer: 'https://idp.example',
    refreshes: 0,
    authorizationUrl: () => Promise.reject(new Error('not used')),
    complete: () => Promise.reject(new Error('not used')),
    refresh: (tokens: UpstreamTokens) => {
      fake.refreshes++;
      return refresh(tokens);
    },
  };
  return fake;
}

describe('upstream token vault', () => {
  let storage: Storage;
  let userId: string;
  const key = deriveKey('vault-test-secret-0123456789abcdefghij', 'upstream-tokens');

  before(async () => {
    storage = await openStorage('sqlite::memory:');
    userId = (await storage.identities.resolve({ issuer: 'https://idp.example', subject: 'u1', preferredUsername: 'u1' })).id;
  });
  after(() => storage.close());

  it('keeps tokens encrypted and hands out the access token while it is fresh', async () => {
    const idp = provider(() => Promise.reject(new Error('no refresh expected')));
    const vault = new UpstreamTokenVault(storage.identities, key, [idp]);
    await vault.store(idp, userId, { accessToken: 'upstream-access-1', refreshToken: 'upstream-refresh-1', expiresAt: Date.now() + 3600_000 });
    assert.equal(await vault.accessToken('oidc', userId), 'upstream-access-1');
    const sealed = await storage.identities.tokens('https://idp.example', userId);
    assert.ok(sealed && !sealed.includes('upstream-access-1') && !sealed.includes('upstream-refresh-1'));
    assert.equal(await vault.accessToken('github', userId), undefined, 'no token for a provider the user did not use');
    assert.equal(idp.refreshes, 0);
  });

  it('refreshes once when the token is about to expire, however many calls ask at once', async () => {
    const idp = provider(async () => ({ accessToken: 'upstream-access-2', expiresAt: Date.now() + 3600_000 }));
    const vault = new UpstreamTokenVault(storage.identities, key, [idp]);
    await vault.store(idp, userId, { accessToken: 'stale', refreshToken: 'upstream-refresh-1', expiresAt: Date.now() + 10_000 });
    const answers = await Promise.all([1, 2, 3].map(() => vault.accessToken('oidc', userId)));
    assert.deepEqual(answers, ['upstream-access-2', 'upstream-access-2', 'upstream-access-2']);
    assert.equal(idp.refreshes, 1);
    assert.equal(await vault.accessToken('oidc', userId), 'upstream-access-2', 'the refreshed tokens are stored');
    assert.equal(idp.refreshes, 1);
  });

  it('forgets the tokens when the provider refuses the refresh', async () => {
    const idp = provider(() => Promise.reject(new Error('invalid_grant')));
    const vault = new UpstreamTokenVault(storage.identities, key, [idp]);
    await vault.store(idp, userId, { accessToken: 'expired', refreshToken: 'revoked-upstream', expiresAt: Date.now() - 1000 });
    assert.equal(await vault.accessToken('oidc', userId), undefined);
    assert.equal(await storage.identities.tokens('https://idp.example', userId), undefined);
  });
});
