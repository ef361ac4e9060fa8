// The sweep that keeps registrations bounded: abandoned dynamic clients go, clients in use stay.
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
    const age = (clientId: string, ms: number) => db.updateTable('clients').set({ created_at: Date.now() - ms }).where('client_id', '=', clientId).execute();
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
    await db.updateTable('grants').set({ created_at: Date.now() - 80 * DAY }).where('client_id', '=', idle.client_id).execute();
    const grantIds = (await db.selectFrom('grants').select('id').where('client_id', '=', idle.client_id).execute()).map((g) => g.id);
    await db.updateTable('refresh_tokens').set({ expires_at: Date.now() - 40 * DAY }).where('grant_id', 'in', grantIds).execute();
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
});
