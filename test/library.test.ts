// The library API: a deployer's own toolset is served next to (or instead of) the demo, with the caller in hand.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { forecast } from '../examples/custom-toolset.js';
import { demoToolset } from '../src/index.js';
import { startGatehouse, type TestGatehouse } from './helpers/gatehouse.js';
import { jsonRpcResult, mcpPost, obtainTokens } from './helpers/oauth.js';

describe('createGatehouse with a custom toolset', () => {
  let gh: TestGatehouse;
  before(async () => {
    gh = await startGatehouse({}, { toolsets: (storage) => [demoToolset(storage.notes), forecast] });
  });
  after(() => gh.close());

  it('serves the deployer\'s tool, acting for the signed-in user', async () => {
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
