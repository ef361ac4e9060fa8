// The library API: a deployer's own toolset is served next to (or instead of) the demo, with the caller in hand.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { companyApiToolset } from '../examples/company-api.js';
import { forecast } from '../examples/custom-toolset.js';
import { demoToolset } from '../src/index.js';
import { startGatehouse, type TestGatehouse } from './helpers/gatehouse.js';
import { stdioServer } from './helpers/reference-servers.js';
import { callTool, jsonRpcResult, mcpPost, obtainTokens } from './helpers/oauth.js';

describe('createGatehouse with a custom toolset', () => {
  let gh: TestGatehouse;
  before(async () => {
    gh = await startGatehouse({}, { toolsets: (storage) => [demoToolset(storage.notes), forecast] });
  });
  after(() => gh.close());

  it("serves the deployer's tool, acting for the signed-in user", async () => {
    const { tokens } = await obtainTokens(gh);
    const list = await jsonRpcResult(await mcpPost(gh.mcpUrl, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, tokens.access_token));
    assert.ok(list.result.tools.some((tool: { name: string }) => tool.name === 'forecast'));
    assert.ok(list.result.tools.some((tool: { name: string }) => tool.name === 'notes_list'));
    const call = await jsonRpcResult(
      await mcpPost(gh.mcpUrl, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'forecast', arguments: { city: 'Lyon' } } }, tokens.access_token),
    );
    assert.equal(call.result.content[0].text, 'Sunny in Lyon, admin.');
  });
});

describe('createGatehouse in front of upstream MCP servers, given as options', () => {
  let gh: TestGatehouse;
  before(async () => {
    const servers = { mcpServers: { everything: stdioServer('@modelcontextprotocol/server-everything', ['stdio'], { isolation: 'shared' }) } };
    gh = await startGatehouse({ TOOLSET: 'none' }, { servers });
  });
  after(() => gh.close());

  it('serves only the upstream at /mcp when TOOLSET=none, its tools prefixed', async () => {
    const { tokens } = await obtainTokens(gh);
    const list = await jsonRpcResult(await mcpPost(gh.mcpUrl, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, tokens.access_token));
    const names: string[] = list.result.tools.map((tool: { name: string }) => tool.name);
    assert.ok(names.includes('everything__echo'));
    assert.ok(
      names.every((name) => name.startsWith('everything__')),
      names.join(),
    );
  });

  it('refuses a bad servers option at start, naming where it came from', async () => {
    await assert.rejects(
      startGatehouse({}, { servers: { mcpServers: { 'bad name': { command: 'x' } } } }),
      (error: Error) => error.name === 'ConfigError' && /options\.servers: server "bad name"/.test(error.message),
    );
  });
});

describe('createGatehouse in front of a deployer’s own API', () => {
  const seen: { path: string; headers: Record<string, string | string[] | undefined> }[] = [];
  const api = createServer((request, response) => {
    seen.push({ path: request.url!, headers: request.headers });
    if (request.headers.authorization !== 'Bearer company-service-key') return response.writeHead(401).end();
    const orders = [{ id: 'A-1', item: 'Espresso machine', status: 'shipped', total: 249 }];
    if (request.url === '/users/admin/orders') return response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(orders));
    if (request.url === '/users/admin/orders/A-1') return response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(orders[0]));
    response.writeHead(404).end();
  });
  let gh: TestGatehouse;

  before(async () => {
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    const baseUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
    gh = await startGatehouse({}, { toolsets: () => [companyApiToolset({ baseUrl, apiKey: 'company-service-key' })] });
  });
  after(async () => {
    await gh.close();
    api.close();
  });

  it('reads the signed-in user’s orders with the service key, never with the MCP token', async () => {
    const { tokens } = await obtainTokens(gh);
    const call = await jsonRpcResult(await callTool(gh.mcpUrl, tokens.access_token, 'my_orders'));
    assert.deepEqual(
      call.result.structuredContent.orders.map((order: { id: string }) => order.id),
      ['A-1'],
    );
    assert.equal(seen.at(-1)!.headers['x-on-behalf-of'], 'admin');
    assert.ok(
      seen.every((request) => !String(request.headers.authorization).includes(tokens.access_token)),
      'the MCP token stays in Gatehouse',
    );

    const read = await jsonRpcResult(
      await mcpPost(gh.mcpUrl, { jsonrpc: '2.0', id: 3, method: 'resources/read', params: { uri: 'order://A-1' } }, tokens.access_token),
    );
    assert.equal(JSON.parse(read.result.contents[0].text).item, 'Espresso machine');
    const prompt = await jsonRpcResult(
      await mcpPost(
        gh.mcpUrl,
        { jsonrpc: '2.0', id: 4, method: 'prompts/get', params: { name: 'order_follow_up', arguments: { id: 'A-1' } } },
        tokens.access_token,
      ),
    );
    assert.match(prompt.result.messages[0].content.text, /order:\/\/A-1/);
  });

  it('turns the API being down into a tool error the model can read, not a crash', async () => {
    const { tokens } = await obtainTokens(gh);
    api.close();
    api.closeAllConnections();
    const call = await jsonRpcResult(await callTool(gh.mcpUrl, tokens.access_token, 'my_orders'));
    assert.equal(call.result.isError, true);
    assert.match(call.result.content[0].text, /cannot be reached/);
  });
});
