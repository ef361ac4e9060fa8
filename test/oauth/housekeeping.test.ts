// The sweep that keeps the database bounded: abandoned dynamic clients and grants out of use go, what is in use stays.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sweep } from '../../src/housekeeping.js';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { obtainTokens, registerClient } from '../helpers/oauth.js';

const DAY = 24 * 3600_000;

describe('housekeeping sweep', () => {
  let gh: TestGatehouse;
  before(async () => {
    gh = await startGatehouse();
  });
  after(() => gh.close());

  it('removes registrations never used within a day or idle for 30 days, and keeps the rest', async () => {
    const { db } = gh.gatehouse.storage;
    const age = (clientId: string, ms: number) =>
      db
        .updateTable('clients')
        .set({ created_at: Date.now() - ms })
        .where('client_id', '=', clientId)
        .execute();
    const named = (name: string) => registerClient(gh, { redirect_uris: ['https://app.example/cb'], token_endpoint_auth_method: 'none', client_name: name });

    const fresh = await named('fresh, unused');
    const abandoned = await named('abandoned');
    await age(abandoned.client_id, 2 * DAY);
    const active = await named('in use');
    await obtainTokens(gh, { client: active });
    await age(active.client_id, 60 * DAY);
    const idle = await named('idle for long');
    await obtainTokens(gh, { client: idle });
    await age(idle.client_id, 90 * DAY);
    await db
      .updateTable('grants')
      .set({ created_at: Date.now() - 80 * DAY })
      .where('client_id', '=', idle.client_id)
      .execute();
    const grantIds = (await db.selectFrom('grants').select('id').where('client_id', '=', idle.client_id).execute()).map((g) => g.id);
    await db
      .updateTable('refresh_tokens')
      .set({ expires_at: Date.now() - 40 * DAY })
      .where('grant_id', 'in', grantIds)
      .execute();
    const pinned = 'https://claude.ai/oauth/mcp-oauth-client-metadata';

    const removed = await sweep(gh.gatehouse.storage);
    assert.equal(removed.clients, 2);
    const left = (await db.selectFrom('clients').select('client_id').execute()).map((row) => row.client_id);
    assert.ok(left.includes(fresh.client_id), 'a client registered today gets its day');
    assert.ok(left.includes(active.client_id), 'a client with a live grant stays, however old');
    assert.ok(left.includes(pinned), 'metadata documents are not swept');
    assert.ok(!left.includes(abandoned.client_id));
    assert.ok(!left.includes(idle.client_id));
    assert.deepEqual(await db.selectFrom('grants').select('id').where('client_id', '=', idle.client_id).execute(), [], 'its grants went with it');
  });

  it('removes grants and refresh tokens out of use for 30 days, and keeps the client in use', async () => {
    const { db } = gh.gatehouse.storage;
    const client = await registerClient(gh, { redirect_uris: ['https://app.example/cb'], token_endpoint_auth_method: 'none', client_name: 'long-lived' });
    const grantIds = [];
    for (let i = 0; i < 4; i++) {
      await obtainTokens(gh, { client });
      const newest = await db
        .selectFrom('grants')
        .select('id')
        .where('client_id', '=', client.client_id)
        .orderBy('created_at', 'desc')
        .executeTakeFirstOrThrow();
      grantIds.push(newest.id);
    }
    const [live, recentlyRevoked, longRevoked, longExpired] = grantIds as [string, string, string, string];
    await db
      .updateTable('grants')
      .set({ revoked_at: Date.now() - 5 * DAY })
      .where('id', '=', recentlyRevoked)
      .execute();
    await db
      .updateTable('grants')
      .set({ revoked_at: Date.now() - 40 * DAY })
      .where('id', '=', longRevoked)
      .execute();
    await db
      .updateTable('grants')
      .set({ created_at: Date.now() - 80 * DAY, last_used_at: Date.now() - 50 * DAY })
      .where('id', '=', longExpired)
      .execute();
    await db
      .updateTable('refresh_tokens')
      .set({ expires_at: Date.now() - 40 * DAY })
      .where('grant_id', 'in', [longRevoked, longExpired])
      .execute();

    const removed = await sweep(gh.gatehouse.storage);
    assert.deepEqual([removed.grants, removed.refreshTokens], [2, 2]);
    const left = (await db.selectFrom('grants').select('id').where('client_id', '=', client.client_id).execute()).map((row) => row.id);
    assert.deepEqual(left.sort(), [live, recentlyRevoked].sort());
    assert.ok(await db.selectFrom('clients').select('client_id').where('client_id', '=', client.client_id).executeTakeFirst(), 'the client stays');
    const again = await sweep(gh.gatehouse.storage);
    assert.deepEqual([again.grants, again.refreshTokens], [0, 0], 'a second sweep finds nothing more');
  });
});
