// Multi-round-trip state (2026-07-28 requestState) sealed by Gatehouse: it round-trips for the user, client and
// method it was minted for, and is refused when altered or replayed by anyone else.
import assert from 'node:assert/strict';
import { inputRequired, inputResponse } from '@modelcontextprotocol/server';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { hashPassword } from '../../src/identity/passwords.js';
import { callerOf } from '../../src/caller.js';
import type { Toolset } from '../../src/mcp/toolset.js';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { jsonRpcResult, mcpPost, obtainTokens } from '../helpers/oauth.js';

const confirmTwice: Toolset = (server, { sealState }) => {
  server.registerTool('transfer', { description: 'Asks for confirmation before acting', inputSchema: z.object({}) }, async (_args, ctx) => {
    const state = ctx.mcpReq.requestState<{ owner: string }>();
    if (state && inputResponse(ctx.mcpReq.inputResponses, 'confirm').kind === 'elicit') {
      return { content: [{ type: 'text', text: `confirmed for ${state.owner}` }] };
    }
    const confirm = inputRequired.elicit({ message: 'Really?', requestedSchema: z.object({ ok: z.boolean() }) });
    return inputRequired({ inputRequests: { confirm }, requestState: await sealState({ owner: callerOf(ctx).user.username }, ctx) });
  });
};

const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'test', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': { elicitation: {} },
};

describe('sealed requestState', () => {
  let gh: TestGatehouse;
  let alice: string;
  let bob: string;
  const call = async (token: string, extra: Record<string, unknown> = {}) =>
    jsonRpcResult(
      await mcpPost(gh.mcpUrl, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'transfer', arguments: {}, ...extra, _meta: ENVELOPE } }, token, {
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': 'tools/call',
        'mcp-name': 'transfer',
      }),
    );
  const answer = { confirm: { action: 'accept', content: { ok: true } } };

  before(async () => {
    gh = await startGatehouse({}, { toolsets: () => [confirmTwice] });
    await gh.gatehouse.storage.users.create({ username: 'bob', passwordHash: await hashPassword('bob password 123') });
    alice = (await obtainTokens(gh)).tokens.access_token;
    bob = (await obtainTokens(gh, { username: 'bob', password: 'bob password 123' })).tokens.access_token;
  });
  after(() => gh.close());

  it('round-trips for the same user', async () => {
    const first = await call(alice);
    assert.equal(first.result.resultType, 'input_required');
    assert.equal(typeof first.result.requestState, 'string');
    assert.ok(!first.result.requestState.includes('admin'), 'the state is opaque');
    const second = await call(alice, { inputResponses: answer, requestState: first.result.requestState });
    assert.equal(second.result.content[0].text, 'confirmed for admin');
  });

  it('refuses altered state, and state replayed by another user', async () => {
    const { result } = await call(alice);
    const tampered = await call(alice, { inputResponses: answer, requestState: `${result.requestState}x` });
    assert.equal(tampered.error.code, -32602);
    const replayed = await call(bob, { inputResponses: answer, requestState: result.requestState });
    assert.equal(replayed.error.code, -32602);
  });
});
