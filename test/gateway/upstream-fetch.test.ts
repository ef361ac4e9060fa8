// The gateway's fetch to HTTP upstreams, against a real server on loopback: answers whole and streamed, connections
// kept alive, aborts and oversized answers refused.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { MAX_ANSWER_BYTES, upstreamFetch } from '../../src/gateway/upstream-fetch.js';

describe('upstreamFetch', () => {
  let server: Server;
  let base: string;
  const sockets = new Set<unknown>();

  before(async () => {
    server = createServer((request, response) => {
      sockets.add(request.socket);
      if (request.url === '/json') {
        let body = '';
        request.on('data', (chunk) => (body += chunk));
        request.on('end', () => response.writeHead(200, { 'content-type': 'application/json', 'x-seen': request.headers['x-user'] ?? '' }).end(body));
      } else if (request.url === '/stream') {
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        response.write('data: first\n\n');
        // The second event only after the client has read the first: the answer must be handed over as it comes.
        setTimeout(() => response.end('data: second\n\n'), 200);
      } else if (request.url === '/huge') {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(Buffer.alloc(MAX_ANSWER_BYTES + 1, 0x20));
      } else if (request.url === '/never') {
        response.writeHead(200, { 'content-type': 'application/json' });
      } else response.writeHead(202).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  it('sends the method, headers and body, reads the answer whole, and keeps the connection for the next request', async () => {
    sockets.clear();
    for (let i = 0; i < 3; i++) {
      const response = await upstreamFetch(`${base}/json`, { method: 'POST', headers: new Headers({ 'x-user': 'u1' }), body: `{"n":${i}}` });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('x-seen'), 'u1');
      assert.deepEqual(await response.json(), { n: i });
    }
    assert.equal(sockets.size, 1, 'one kept-alive connection served all three');
  });

  it('hands an event stream over as it arrives', async () => {
    const response = await upstreamFetch(`${base}/stream`);
    const reader = response.body!.getReader();
    const started = Date.now();
    const first = new TextDecoder().decode((await reader.read()).value);
    assert.equal(first, 'data: first\n\n');
    assert.ok(Date.now() - started < 150, 'the first event came before the stream ended');
    let rest = '';
    for (let read = await reader.read(); !read.done; read = await reader.read()) rest += new TextDecoder().decode(read.value);
    assert.equal(rest, 'data: second\n\n');
  });

  it('answers 202 without a body', async () => {
    const response = await upstreamFetch(`${base}/accepted`, { method: 'POST', body: '{}' });
    assert.equal(response.status, 202);
    assert.equal(await response.text(), '');
  });

  it('refuses an answer larger than the bound', async () => {
    await assert.rejects(upstreamFetch(`${base}/huge`), /larger than 16 MiB/);
  });

  it('stops waiting when its signal aborts', async () => {
    const controller = new AbortController();
    const pending = upstreamFetch(`${base}/never`, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(pending, (error: Error) => error.name === 'AbortError');
    await assert.rejects(upstreamFetch(`${base}/json`, { signal: AbortSignal.abort() }), (error: Error) => error.name === 'AbortError');
  });

  it('fails with the reason when nothing listens', async () => {
    await assert.rejects(upstreamFetch('http://127.0.0.1:9/mcp'), /ECONNREFUSED/);
  });
});
