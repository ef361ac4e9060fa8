// Input an upstream asks of its caller in the middle of a call (sampling, elicitation), relayed where the caller's
// protocol era can carry it: to a 2026-07-28 caller, whose retry brings the answer back; refused at once otherwise,
// the upstream carrying on. A reference server nobody here wrote asks the 2025 way (a request on its session); a
// fixture on the official SDK asks the 2026-07-28 way (an `input_required` result). Roots are never passed on.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@modelcontextprotocol/client';
import { hashPassword } from '../../src/identity/passwords.js';
import { ADMIN, startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { jsonRpcResult, obtainTokens } from '../helpers/oauth.js';
import { MODERN_ENVELOPE, sendMcp, type McpEra } from '../helpers/mcp-request.js';
import { binOf } from '../helpers/reference-servers.js';
import { connectWithOAuth, type Answering } from '../helpers/sdk-client.js';

const BOB = { username: 'bob', password: 'bob password 123' };

/** A client that answers every question, and remembers each. */
function answering(declare: { roots?: boolean } = {}) {
  const asked: { method: string; params: unknown }[] = [];
  const answers: Answering = {
    capabilities: { elicitation: { form: {} }, sampling: {}, ...(declare.roots && { roots: {} }) },
    handlers(client: Client) {
      client.setRequestHandler('elicitation/create', async (request) => {
        asked.push({ method: request.method, params: request.params });
        const asksColour = 'requestedSchema' in request.params && 'colour' in request.params.requestedSchema.properties;
        const content: Record<string, string> = asksColour ? { colour: 'blue' } : { name: 'Ada Lovelace' };
        return { action: 'accept', content };
      });
      client.setRequestHandler('sampling/createMessage', async (request) => {
        asked.push({ method: request.method, params: request.params });
        return { role: 'assistant', content: { type: 'text', text: 'lighthouse' }, model: 'test-model' };
      });
      if (declare.roots)
        client.setRequestHandler('roots/list', async (request) => {
          asked.push({ method: request.method, params: request.params });
          return { roots: [{ uri: 'file:///', name: 'everything on the caller’s machine' }] };
        });
    },
  };
  return { asked, answers };
}

const textOf = (result: { content?: unknown }) => JSON.stringify(result.content);

describe('input an upstream asks of its caller', () => {
  let dir: string;
  let gh: TestGatehouse;
  const clients: Client[] = [];

  async function connect(path: string, user: { username: string; password: string }, declare: { roots?: boolean } = {}) {
    const { asked, answers } = answering(declare);
    const { client } = await connectWithOAuth(gh.baseUrl + path, { era: '2026-07-28', ...user, answering: answers });
    clients.push(client);
    return { client, asked };
  }

  async function token(user: { username: string; password: string }, path: string) {
    return (await obtainTokens(gh, { resource: gh.baseUrl + path, ...user })).tokens.access_token;
  }

  async function raw(path: string, accessToken: string, method: string, params: Record<string, unknown>, era: McpEra = '2026-07-28') {
    const response = await sendMcp(gh.baseUrl + path, { era, method, params, token: accessToken });
    return jsonRpcResult(response);
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-input-'));
    mkdirSync(join(dir, 'files', ADMIN.username), { recursive: true });
    const node = process.execPath;
    const everything = [binOf('@modelcontextprotocol/server-everything'), 'stdio'];
    const servers = {
      mcpServers: {
        everything: { command: node, args: everything },
        // Waits 2 s for a caller's answer, not 300.
        impatient: { command: node, args: everything, timeout: 2 },
        shared: { command: node, args: everything, isolation: 'shared' },
        asking: { command: node, args: [join(import.meta.dirname, '..', 'fixtures', 'asking-upstream.mjs')] },
        files: { command: node, args: [binOf('@modelcontextprotocol/server-filesystem'), `${dir}/files/\${user.username}`] },
      },
    };
    writeFileSync(join(dir, 'servers.json'), JSON.stringify(servers));
    gh = await startGatehouse({ SERVERS_FILE: join(dir, 'servers.json') });
    await gh.gatehouse.storage.users.create({ username: BOB.username, passwordHash: await hashPassword(BOB.password) });
  });

  after(async () => {
    for (const client of clients) await client.close().catch(() => undefined);
    await gh?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('puts a 2025-era server’s elicitation and sampling to a 2026-07-28 caller, and the call goes on with the answers', async () => {
    const { client, asked } = await connect('/mcp/everything', ADMIN);
    // The session was started for a caller who can answer: the server offers the tools that ask.
    const names = (await client.listTools()).tools.map((tool) => tool.name);
    assert.ok(names.includes('trigger-elicitation-request') && names.includes('trigger-sampling-request'), names.join());

    const elicited = await client.callTool({ name: 'trigger-elicitation-request', arguments: {} });
    assert.match(textOf(elicited), /Ada Lovelace/);
    assert.equal(asked[0]!.method, 'elicitation/create');
    assert.match(JSON.stringify(asked[0]!.params), /Please provide inputs/);

    const sampled = await client.callTool({ name: 'trigger-sampling-request', arguments: { prompt: 'a word', maxTokens: 5 } });
    assert.match(textOf(sampled), /lighthouse/);
    assert.equal(asked[1]!.method, 'sampling/createMessage');
  });

  it('does the same through the aggregate /mcp, under the server’s prefix', async () => {
    const { client, asked } = await connect('/mcp', ADMIN);
    const answered = await client.callTool({ name: 'everything__trigger-elicitation-request', arguments: {} });
    assert.match(textOf(answered), /Ada Lovelace/);
    assert.equal(asked.length, 1);
  });

  it('refuses at once a question its caller cannot answer (a 2025-era request), and the server carries on', async () => {
    const accessToken = await token(ADMIN, '/mcp/everything');
    const started = Date.now();
    const refused = await raw('/mcp/everything', accessToken, 'tools/call', { name: 'trigger-sampling-request', arguments: { prompt: 'x' } }, '2025-06-18');
    assert.ok(Date.now() - started < 10_000, 'answered at once, not after a timeout');
    assert.ok(refused.error || refused.result.isError, JSON.stringify(refused));
    assert.match(JSON.stringify(refused), /cannot pass sampling\/createMessage on: the caller’s client cannot answer it/);
    const echoed = await raw('/mcp/everything', accessToken, 'tools/call', { name: 'echo', arguments: { message: 'still here' } }, '2025-06-18');
    assert.equal(echoed.result.content[0].text, 'Echo: still here');
  });

  it('refuses at once a question the caller’s client did not declare it can answer', async () => {
    const accessToken = await token(ADMIN, '/mcp/everything');
    // A 2026-07-28 request whose client declares no capabilities.
    const refused = await raw('/mcp/everything', accessToken, 'tools/call', { name: 'trigger-elicitation-request', arguments: {} });
    assert.match(JSON.stringify(refused), /cannot pass elicitation\/create on: the caller’s client cannot answer it/);
  });

  it('never asks the callers of a server shared by every user', async () => {
    const { client, asked } = await connect('/mcp/shared', ADMIN);
    const names = (await client.listTools()).tools.map((tool) => tool.name);
    assert.ok(names.includes('echo'));
    assert.ok(!names.includes('trigger-sampling-request'), 'a shared session offers no sampling');
    assert.equal(asked.length, 0);
  });

  it('passes a 2026-07-28 server’s input_required on to its caller, its own state echoed back on the retry', async () => {
    const { client, asked } = await connect('/mcp/asking', ADMIN);
    const coloured = await client.callTool({ name: 'ask_colour', arguments: {} });
    assert.equal(textOf(coloured), JSON.stringify([{ type: 'text', text: 'colour blue, state asked-once' }]));
    const sampled = await client.callTool({ name: 'ask_model', arguments: {} });
    assert.match(textOf(sampled), /lighthouse/);
    assert.deepEqual(
      asked.map((question) => question.method),
      ['elicitation/create', 'sampling/createMessage'],
    );
  });

  it('never passes roots on, to either kind of server', async () => {
    // The session declares no roots to its upstream, which refuses to ask for them as the spec says (-32021).
    const asking = await connect('/mcp/asking', ADMIN, { roots: true });
    await assert.rejects(asking.client.callTool({ name: 'ask_roots', arguments: {} }), (error: { code?: number }) => error.code === -32021);

    // server-filesystem takes a client's roots as the folders it may reach: it keeps the one it was started with.
    const files = await connect('/mcp/files', ADMIN, { roots: true });
    const allowed = await files.client.callTool({ name: 'list_allowed_directories', arguments: {} });
    assert.match(textOf(allowed), new RegExp(join(dir, 'files', ADMIN.username)));
    assert.doesNotMatch(textOf(allowed), /"\/"|\\n\/\\n/);
    assert.equal(asking.asked.length + files.asked.length, 0, 'no client was asked for its roots');
  });

  it('holds a call whose caller was asked only so long, and refuses a retry after it, or with a state not its own', async () => {
    const accessToken = await token(ADMIN, '/mcp/impatient');
    const capabilities = { ...MODERN_ENVELOPE, 'io.modelcontextprotocol/clientCapabilities': { elicitation: { form: {} } } };
    const ask = () => raw('/mcp/impatient', accessToken, 'tools/call', { name: 'trigger-elicitation-request', arguments: {}, _meta: capabilities });
    // The session starts for a caller who can answer; the first call asks, and is held.
    await raw('/mcp/impatient', accessToken, 'tools/list', { _meta: capabilities });
    const first = await ask();
    assert.equal(first.result.resultType, 'input_required', JSON.stringify(first));
    const [key] = Object.keys(first.result.inputRequests);
    const retry = (state: string, bearer = accessToken) =>
      raw('/mcp/impatient', bearer, 'tools/call', {
        name: 'trigger-elicitation-request',
        arguments: {},
        _meta: capabilities,
        inputResponses: { [key!]: { action: 'accept', content: { name: 'Grace Hopper' } } },
        requestState: state,
      });

    // A state altered, or another user's: refused as the spec says, and the call still waits for its own caller.
    const forged = await retry(first.result.requestState.slice(0, -2) + 'AA');
    assert.equal(forged.error.code, -32602);
    const bobsToken = await token(BOB, '/mcp/impatient');
    assert.equal((await retry(first.result.requestState, bobsToken)).error.code, -32602);

    // Answered in time: the call goes on with the answer.
    assert.match(JSON.stringify((await retry(first.result.requestState)).result), /Grace Hopper/);

    // Asked again and never answered: the server hears "no answer" after 2 s and carries on; a late retry is told.
    const second = await ask();
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const late = await retry(second.result.requestState);
    assert.match(JSON.stringify(late), /no longer open/);
    const echoed = await raw('/mcp/impatient', accessToken, 'tools/call', { name: 'echo', arguments: { message: 'after' }, _meta: capabilities });
    assert.equal(echoed.result.content[0].text, 'Echo: after');
  });
});
