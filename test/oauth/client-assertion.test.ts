// private_key_jwt assertions on one instance (no Redis): each authenticates one request, and a store full of ids
// still alive refuses new assertions instead of accepting them unrecorded (which would let them be replayed).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { ClientAssertions } from '../../src/oauth/client-assertion.js';
import { InvalidClient } from '../../src/errors.js';
import type { Client } from '../../src/storage/index.js';

const ISSUER = 'https://gatehouse.example.com';
const CLIENT_ID = 'https://app.example/client.json';

describe('client assertions without Redis', () => {
  it('refuses a replay, and when the store is full refuses new assertions while replays stay refused', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const client: Client = {
      clientId: CLIENT_ID,
      kind: 'metadata_document',
      secretHash: null,
      metadata: {
        redirect_uris: ['https://app.example/cb'],
        token_endpoint_auth_method: 'private_key_jwt',
        grant_types: ['authorization_code'],
        response_types: ['code'],
        jwks: { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] },
      },
      createdAt: 0,
      registrationTokenHash: null,
    };
    const assertion = () =>
      new SignJWT({ jti: randomUUID() })
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .setIssuer(CLIENT_ID)
        .setSubject(CLIENT_ID)
        .setAudience(ISSUER)
        .setIssuedAt()
        .setExpirationTime('2m')
        .sign(privateKey);
    const assertions = new ClientAssertions({ issuer: ISSUER, allowLocal: false, spentCapacity: 3 });
    const refusal = async (signed: string) => {
      try {
        await assertions.verify(client, signed);
        return undefined;
      } catch (error) {
        assert.ok(error instanceof InvalidClient, String(error));
        return error.description;
      }
    };

    const used = [await assertion(), await assertion(), await assertion()];
    for (const signed of used) assert.equal(await refusal(signed), undefined, 'a fresh assertion authenticates');
    assert.match((await refusal(used[0]!))!, /already used/);

    // The store holds three ids, all alive: a fourth cannot be recorded, so it is refused, not let through.
    assert.match((await refusal(await assertion()))!, /too many client assertions/);
    for (const signed of used) assert.match((await refusal(signed))!, /already used/, 'replays stay refused while the store is full');
  });
});
