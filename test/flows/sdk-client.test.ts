// The official MCP TypeScript client, with its own OAuth implementation, against Gatehouse in both protocol eras.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { decodeJwt } from 'jose';
import { mcpPost, obtainTokens } from '../helpers/oauth.js';
import { connectWithOAuth, type Era } from '../helpers/sdk-client.js';

for (const era of ['legacy', '2026-07-28'] as Era[]) {
  describe(`official MCP client, ${era === 'legacy' ? '2025 initialize' : '2026-07-28'} era`, () => {
    let gh: TestGatehouse;
    before(async () => {
      gh = await startGatehouse();
    });
    after(() => gh.close());

    it('authorizes through OAuth and uses tools, resources and prompts', async () => {
      const { client, provider } = await connectWithOAuth(gh.mcpUrl, { era });
      assert.ok(provider.tokens()?.refresh_token, 'the SDK received a refresh token');
      assert.equal(client.getNegotiatedProtocolVersion(), era === 'legacy' ? '2025-11-25' : '2026-07-28');

      const { tools } = await client.listTools();
      assert.deepEqual(tools.map((tool) => tool.name).sort(), ['notes_create', 'notes_delete', 'notes_list', 'notes_search', 'whoami']);

      const whoami = await client.callTool({ name: 'whoami', arguments: {} });
      assert.equal((whoami.structuredContent as { username: string }).username, 'admin');

      const created = await client.callTool({ name: 'notes_create', arguments: { title: 'Groceries', body: 'eggs, 50% dark chocolate' } });
      const note = created.structuredContent as { id: string };
      const search = await client.callTool({ name: 'notes_search', arguments: { query: '50%' } });
      assert.deepEqual(
        (search.structuredContent as { notes: { id: string }[] }).notes.map((n) => n.id),
        [note.id],
      );

      const { resources } = await client.listResources();
      assert.deepEqual(
        resources.map((r) => r.uri),
        [`note://${note.id}`],
      );
      const read = await client.readResource({ uri: `note://${note.id}` });
      assert.match((read.contents[0] as { text: string }).text, /# Groceries/);

      const prompt = await client.getPrompt({ name: 'summarize_notes', arguments: {} });
      assert.match((prompt.messages[0]!.content as { text: string }).text, /Groceries/);

      await client.close();
    });

    it('connects to the bare origin as its server URL, and its token works at /mcp too', async () => {
      const { client, provider } = await connectWithOAuth(gh.baseUrl, { era });
      const whoami = await client.callTool({ name: 'whoami', arguments: {} });
      assert.equal((whoami.structuredContent as { username: string }).username, 'admin');
      await client.close();

      const token = provider.tokens()!.access_token;
      assert.equal(decodeJwt(token).aud, gh.baseUrl, 'the token names the whole server');
      const listed = await mcpPost(gh.mcpUrl, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, token);
      assert.equal(listed.status, 200);
    });
  });
}

describe('a token issued for /mcp', () => {
  let gh: TestGatehouse;
  before(async () => {
    gh = await startGatehouse();
  });
  after(() => gh.close());

  it('works at /mcp only, not at the origin or the alias', async () => {
    const { tokens } = await obtainTokens(gh, { resource: gh.mcpUrl });
    const list = (url: string) => mcpPost(url, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, tokens.access_token);
    assert.equal((await list(gh.mcpUrl)).status, 200);
    for (const url of [`${gh.baseUrl}/`, `${gh.baseUrl}/mcp/streamable`]) {
      const refused = await list(url);
      assert.equal(refused.status, 401, url);
      assert.match(refused.headers.get('www-authenticate')!, /issued for another resource/);
    }
  });
});
