// The proof instances forward calls under, and the forwarding side's answers to what can go wrong on the way: an
// instance that is not there, one that refuses before running anything, one that dies mid-call.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { ForwardProof } from '../../src/gateway/forward-proof.js';
import { Forwarder, NotDelivered, type ForwardedCall } from '../../src/gateway/forwarding.js';
import { GatewayError, UpstreamRefusal } from '../../src/gateway/gateway-error.js';
import { NeedsInput } from '../../src/gateway/input-requests.js';
import type { ProgressNotification, RelayContext } from '../../src/gateway/progress-relay.js';
import { freePort } from '../helpers/free-port.js';

const KEY = Buffer.alloc(32, 7);
const CALL: ForwardedCall = {
  server: 'memory',
  method: 'tools/call',
  params: { name: 'read_graph', arguments: {} },
  caller: { user: { id: 'u1', username: 'alice' }, clientId: 'c1', scopes: ['mcp:tools'] },
  progressToken: 'p1',
  input: { askable: {} },
};

describe('forward proofs', () => {
  const body = JSON.stringify(CALL);

  it('accepts a proof once, for the instance and body it was made for', () => {
    const proof = new ForwardProof(KEY);
    const made = proof.sign('instance-b', body);
    assert.deepEqual(proof.verify('instance-b', body, made), { ok: true });
    assert.deepEqual(proof.verify('instance-b', body, made), { ok: false, reason: 'replayed' });
  });

  it('refuses a proof for another instance, another body, another key, or none', () => {
    const proof = new ForwardProof(KEY);
    assert.equal(proof.verify('instance-a', body, proof.sign('instance-b', body)).ok, false);
    assert.equal(proof.verify('instance-b', `${body} `, proof.sign('instance-b', body)).ok, false);
    assert.equal(proof.verify('instance-b', body, new ForwardProof(Buffer.alloc(32, 8)).sign('instance-b', body)).ok, false);
    assert.deepEqual(proof.verify('instance-b', body, undefined), { ok: false, reason: 'missing' });
    assert.deepEqual(proof.verify('instance-b', body, 'v1.x.y'), { ok: false, reason: 'malformed' });
  });

  it('refuses a proof older than the window, even never seen before', () => {
    let now = 1_000_000;
    const signer = new ForwardProof(KEY, () => now);
    const made = signer.sign('instance-b', body);
    now += 31_000;
    assert.deepEqual(signer.verify('instance-b', body, made), { ok: false, reason: 'expired' });
  });
});

describe('the forwarding side', () => {
  const servers: Server[] = [];
  const forwarder = new Forwarder(new ForwardProof(KEY));
  after(() => {
    forwarder.close();
    for (const server of servers) server.close();
  });

  async function instance(handler: Parameters<typeof createServer>[1]): Promise<string> {
    const server = createServer(handler);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  const relay = (notified: ProgressNotification[] = [], signal = new AbortController().signal): RelayContext => ({
    signal,
    progressToken: 'p1',
    notify: async (notification) => void notified.push(notification),
  });

  it('passes progress on in order, then the result', async () => {
    const url = await instance((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      for (const progress of [1, 2])
        res.write(`${JSON.stringify({ notification: { method: 'notifications/progress', params: { progressToken: 'p1', progress } } })}\n`);
      res.end(`${JSON.stringify({ result: { content: [{ type: 'text', text: 'done' }] } })}\n`);
    });
    const notified: ProgressNotification[] = [];
    const result = await forwarder.call({ instanceId: 'b', url }, CALL, relay(notified), 5_000);
    assert.deepEqual(result, { content: [{ type: 'text', text: 'done' }] });
    assert.deepEqual(
      notified.map((notification) => notification.params.progress),
      [1, 2],
    );
  });

  it('brings back a call that asks its caller for input, with where it resumes at the home', async () => {
    const asked = { inputRequests: { 'input-1': { method: 'elicitation/create', params: { message: 'Which colour?' } } }, resume: { held: 'call-1' } };
    const url = await instance((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        // The caller's answers and where the call resumes travel with the retry.
        const input = (JSON.parse(body) as ForwardedCall).input!;
        res.end(
          `${JSON.stringify(input.resume ? { result: { content: [{ type: 'text', text: JSON.stringify(input.responses) }] } } : { needsInput: asked })}\n`,
        );
      });
    });
    const needs = await forwarder.call({ instanceId: 'b', url }, { ...CALL, input: { askable: { elicitation: {} } } }, relay(), 5_000);
    assert.ok(needs instanceof NeedsInput);
    assert.deepEqual({ inputRequests: needs.inputRequests, resume: needs.resume }, asked);
    const answers = { 'input-1': { action: 'accept', content: { colour: 'blue' } } };
    const done = await forwarder.call({ instanceId: 'b', url }, { ...CALL, input: { askable: {}, responses: answers, resume: needs.resume } }, relay(), 5_000);
    assert.deepEqual(done, { content: [{ type: 'text', text: JSON.stringify(answers) }] });
  });

  it("rebuilds the home's errors: a refusal of the gateway's, or the upstream's own JSON-RPC error", async () => {
    const answers = [
      { error: { reason: 'needs_secret', message: 'memory needs KEY from you' } },
      { error: { reason: 'upstream_error', message: 'memory: no such tool', code: -32602 } },
    ];
    let next = 0;
    const url = await instance((_req, res) => res.end(`${JSON.stringify(answers[next++])}\n`));
    await assert.rejects(forwarder.call({ instanceId: 'b', url }, CALL, relay(), 5_000), (error: unknown) => {
      return error instanceof GatewayError && error.reason === 'needs_secret' && error.message === 'memory needs KEY from you';
    });
    await assert.rejects(forwarder.call({ instanceId: 'b', url }, CALL, relay(), 5_000), (error: unknown) => {
      return error instanceof UpstreamRefusal && error.code === -32602;
    });
  });

  it('says a call was not delivered when no one listens, or the home refuses it before running it', async () => {
    const closedPort = await freePort();
    await assert.rejects(forwarder.call({ instanceId: 'b', url: `http://127.0.0.1:${closedPort}` }, CALL, relay(), 5_000), NotDelivered);
    for (const status of [409, 503]) {
      const url = await instance((_req, res) => res.writeHead(status, { 'content-type': 'application/json' }).end('{"error":"not_home"}'));
      await assert.rejects(forwarder.call({ instanceId: 'b', url }, CALL, relay(), 5_000), NotDelivered);
    }
  });

  it('says the call was lost, never "not delivered", when the home dies after taking it', async () => {
    const url = await instance((req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write(`${JSON.stringify({ notification: { method: 'notifications/progress', params: { progressToken: 'p1', progress: 1 } } })}\n`);
      setTimeout(() => req.socket.destroy(), 20);
    });
    await assert.rejects(forwarder.call({ instanceId: 'b', url }, CALL, relay(), 5_000), (error: unknown) => {
      return error instanceof GatewayError && !(error instanceof NotDelivered) && error.reason === 'ended';
    });
  });

  it('gives up within its time, and at once when the caller cancels', async () => {
    const url = await instance(() => undefined); // takes the call, never answers
    const started = Date.now();
    await assert.rejects(forwarder.call({ instanceId: 'b', url }, CALL, relay(), 300), (error: unknown) => {
      return error instanceof GatewayError && error.reason === 'timeout';
    });
    assert.ok(Date.now() - started < 2_000);
    const cancel = new AbortController();
    setTimeout(() => cancel.abort(), 100);
    await assert.rejects(forwarder.call({ instanceId: 'b', url }, CALL, relay([], cancel.signal), 60_000), GatewayError);
    // Cancelled before it went out: nothing reaches the home.
    let reached = 0;
    const counting = await instance(() => void reached++);
    await assert.rejects(forwarder.call({ instanceId: 'b', url: counting }, CALL, relay([], cancel.signal), 60_000), /cancelled/);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(reached, 0);
  });
});
