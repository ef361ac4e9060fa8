// The account page: a user's connected apps, and disconnecting one stops its tokens at /mcp at once.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Browser, hiddenFields } from '../helpers/browser.js';
import { CLAUDE_REGISTRATION, startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { mcpPost, obtainTokens, registerClient } from '../helpers/oauth.js';

describe('account page', () => {
  let gh: TestGatehouse;
  before(async () => {
    gh = await startGatehouse();
  });
  after(() => gh.close());

  it('lists connected apps with redirect host, scopes and last use, and disconnects one', async () => {
    const browser = new Browser();
    const client = await registerClient(gh, { ...CLAUDE_REGISTRATION, client_name: 'Account Test' });
    const { tokens } = await obtainTokens(gh, { client, browser, scope: 'mcp:tools' });
    const page = await browser.go(new URL('/account', gh.baseUrl));
    assert.equal(page.url.pathname, '/account');
    assert.match(page.html!, /Account Test/);
    assert.match(page.html!, /claude\.ai/);
    assert.match(page.html!, /Use the tools/);
    assert.doesNotMatch(page.html!, /Read your data/, 'only the granted scopes');
    assert.match(page.html!, /Last used/);

    const fields = hiddenFields(page.html!);
    const whoami = () => mcpPost(gh.mcpUrl, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: {} } }, tokens.access_token);
    assert.equal((await whoami()).status, 200);
    const after = await browser.submit(new URL('/account/disconnect', gh.baseUrl), { csrf: fields.csrf!, grant: fields.grant! });
    assert.equal(after.url.pathname, '/account');
    assert.match(after.html!, /No app is connected/);
    assert.equal((await whoami()).status, 401, 'refused at once, not after a cache expires');
  });

  it("cannot disconnect another user's grant, and asks a signed-out visitor to sign in", async () => {
    const { tokens } = await obtainTokens(gh, { client: await registerClient(gh, { ...CLAUDE_REGISTRATION, client_name: 'Theirs' }) });
    const grant = await gh.gatehouse.storage.db.selectFrom('grants').select('id').where('revoked_at', 'is', null).executeTakeFirstOrThrow();
    const stranger = new Browser();
    const login = await stranger.go(new URL('/account', gh.baseUrl));
    assert.equal(login.url.pathname, '/login');
    const form = await stranger.submit(new URL('/account/disconnect', gh.baseUrl), { csrf: hiddenFields(login.html!).csrf!, grant: grant.id });
    assert.equal(form.url.pathname, '/login');
    const whoami = await mcpPost(gh.mcpUrl, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, tokens.access_token);
    assert.equal(whoami.status, 200, 'the grant is untouched');
  });
});
