// The demo toolset acts for the caller only: two users' notes never meet, through tools, resources or prompts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hashPassword } from '../../src/identity/passwords.js';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { jsonRpcResult, mcpPost, obtainTokens } from '../helpers/oauth.js';

describe('per-user notes', () => {
  let gh: TestGatehouse;
  let alice: string;
  let bob: string;
  const rpc = async (token: string, method: string, params: object = {}) =>
    jsonRpcResult(await mcpPost(gh.mcpUrl, { jsonrpc: '2.0', id: 1, method, params }, token));
  const tool = (token: string, name: string, args: object = {}) => rpc(token, 'tools/call', { name, arguments: args });

  before(async () => {
    gh = await startGatehouse();
    await gh.gatehouse.storage.users.create({ username: 'bob', passwordHash: await hashPassword('bob password 123') });
    alice = (await obtainTokens(gh)).tokens.access_token;
    bob = (await obtainTokens(gh, { username: 'bob', password: 'bob password 123' })).tokens.access_token;
  });
  after(() => gh.close());

  it("keeps two users' notes apart in every tool, resource and prompt", async () => {
    const secret = (await tool(alice, 'notes_create', { title: 'Alice secret', body: 'launch codes' })).result.structuredContent;
    await tool(bob, 'notes_create', { title: 'Bob list', body: 'milk' });

    const aliceList = (await tool(alice, 'notes_list')).result.structuredContent.notes;
    const bobList = (await tool(bob, 'notes_list')).result.structuredContent.notes;
    assert.deepEqual(
      aliceList.map((n: { title: string }) => n.title),
      ['Alice secret'],
    );
    assert.deepEqual(
      bobList.map((n: { title: string }) => n.title),
      ['Bob list'],
    );

    assert.deepEqual((await tool(bob, 'notes_search', { query: 'launch' })).result.structuredContent.notes, []);
    assert.equal((await tool(bob, 'whoami')).result.structuredContent.username, 'bob');

    const read = await rpc(bob, 'resources/read', { uri: `note://${secret.id}` });
    assert.ok(read.error, "Bob cannot read Alice's note as a resource");
    assert.ok(!JSON.stringify(read).includes('launch codes'));
    const listed = (await rpc(bob, 'resources/list')).result.resources;
    assert.ok(!listed.some((r: { uri: string }) => r.uri === `note://${secret.id}`));
    const prompt = (await rpc(bob, 'prompts/get', { name: 'summarize_notes', arguments: {} })).result;
    assert.ok(!JSON.stringify(prompt).includes('launch codes'));

    const deleted = (await tool(bob, 'notes_delete', { id: secret.id })).result;
    assert.equal(deleted.isError, true);
    assert.equal(deleted.structuredContent.deleted, false);
    assert.equal((await tool(alice, 'notes_list')).result.structuredContent.notes.length, 1, "Alice's note is still there");
    assert.equal((await tool(alice, 'notes_delete', { id: secret.id })).result.structuredContent.deleted, true);
  });

  it('validates tool input and reports errors as tool results, not crashes', async () => {
    const empty = await tool(alice, 'notes_create', { title: '' });
    assert.equal(empty.result.isError, true);
    const unknown = await rpc(alice, 'tools/call', { name: 'no_such_tool', arguments: {} });
    assert.ok(unknown.error || unknown.result.isError);
  });
});
