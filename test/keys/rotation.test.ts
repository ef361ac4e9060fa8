// Key rotation: the new key is published before it signs, old keys keep verifying until they retire, and a
// retired key's tokens are refused; running instances pick rotations up without a restart.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeProtectedHeader } from 'jose';
import { rotateKeys } from '../../src/keys/key-store.js';
import { startGatehouse, TEST_JWT_SECRET, type TestGatehouse } from '../helpers/gatehouse.js';
import { mcpPost, obtainTokens } from '../helpers/oauth.js';

describe('signing key rotation', () => {
  let gh: TestGatehouse;
  const jwksKids = async () => ((await (await gh.fetch('/.well-known/jwks.json')).json()).keys as { kid: string }[]).map((key) => key.kid);
  const listTools = (token: string) => mcpPost(gh.mcpUrl, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, token);

  before(async () => {
    gh = await startGatehouse();
  });
  after(() => gh.close());

  it('publishes a new key before it signs, keeps the old one verifying, then retires it', async () => {
    const { tokens: before } = await obtainTokens(gh);
    const oldKid = decodeProtectedHeader(before.access_token).kid!;
    assert.equal((await listTools(before.access_token)).status, 200, 'verified once, so the server remembers it');
    const { signingKeys } = gh.gatehouse.storage;

    // A scheduled rotation: the new key signs in an hour, so it is only published for now.
    const pending = await rotateKeys(signingKeys, TEST_JWT_SECRET, { activationDelayMs: 3600_000, accessTokenTtlMs: 3600_000 });
    await reloadKeys(gh);
    assert.deepEqual((await jwksKids()).sort(), [oldKid, pending.kid].sort(), 'both keys are published');
    const { tokens: meanwhile } = await obtainTokens(gh);
    assert.equal(decodeProtectedHeader(meanwhile.access_token).kid, oldKid, 'the old key still signs until the new one activates');

    // An immediate rotation: the newest key signs at once, every older one is retired now.
    const now = await rotateKeys(signingKeys, TEST_JWT_SECRET, { activationDelayMs: 0, accessTokenTtlMs: 3600_000, retireNow: true });
    await reloadKeys(gh);
    assert.deepEqual(await jwksKids(), [now.kid]);
    const { tokens: after } = await obtainTokens(gh);
    assert.equal(decodeProtectedHeader(after.access_token).kid, now.kid);
    assert.equal((await listTools(after.access_token)).status, 200);
    const refused = await listTools(before.access_token);
    assert.equal(refused.status, 401, 'a token signed by a retired key is refused, even though it was verified before');
    assert.match(refused.headers.get('www-authenticate')!, /invalid_token/);
  });
});

/** Makes the running server re-read its keys now, as its 30-second timer would. */
const reloadKeys = (gh: TestGatehouse) => gh.gatehouse.keys.reload();
