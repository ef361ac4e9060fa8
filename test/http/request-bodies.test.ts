// Bodies are bounded before they are read, on every route, and an answer given before a body was read never leaves
// a pooled connection that dies under the next request.
import assert from 'node:assert/strict';
import { Agent, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startGatehouse, type TestGatehouse } from '../helpers/gatehouse.js';
import { obtainTokens } from '../helpers/oauth.js';

const EIGHT_MB = 8 * 1024 * 1024;

/**
 * Sends only the head of a request declaring `length` body bytes, and returns the status line and headers of the
 * answer. Since no byte of the body is ever sent, an answer proves the server did not wait to read it.
 */
function answerToDeclaredBody(port: number, head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(head));
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within 3 s to ${head.split('\r\n')[0]}: the server is waiting for the body`));
    }, 3000);
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      if (received.includes('\r\n\r\n')) {
        clearTimeout(timer);
        socket.destroy();
        resolve(received.slice(0, received.indexOf('\r\n\r\n')));
      }
    });
    socket.on('error', reject);
  });
}

interface Reply {
  status: number;
  connection: string | undefined;
  /** Which socket answered, to tell a reused connection from a new one. */
  socket: number;
}

describe('request bodies', () => {
  let gh: TestGatehouse;
  let token: string;
  let port: number;

  before(async () => {
    gh = await startGatehouse();
    token = (await obtainTokens(gh, { resource: gh.baseUrl })).tokens.access_token;
    port = Number(new URL(gh.baseUrl).port);
  });
  after(() => gh.close());

  it('are refused with 413 on every route at a declared length over the limit, without reading a byte of them', async () => {
    const routes: [method: string, path: string, headers?: string][] = [
      ['POST', '/authorize'],
      ['POST', '/oauth/authorize'],
      ['POST', '/token'],
      ['POST', '/oauth/token'],
      ['POST', '/register'],
      ['PUT', '/register/some-client'],
      ['POST', '/revoke'],
      ['POST', '/introspect'],
      ['POST', '/login'],
      ['POST', '/logout'],
      ['POST', '/consent'],
      ['POST', '/account/disconnect'],
      ['POST', '/no/such/route'],
      ['POST', '/mcp', `Authorization: Bearer ${token}\r\nContent-Type: application/json\r\n`],
      ['POST', '/', `Authorization: Bearer ${token}\r\nContent-Type: application/json\r\n`],
    ];
    for (const [method, path, headers = 'Content-Type: application/x-www-form-urlencoded\r\n'] of routes) {
      const head = `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${headers}Content-Length: ${EIGHT_MB}\r\n\r\n`;
      const answer = await answerToDeclaredBody(port, head);
      assert.match(answer, /^HTTP\/1\.1 413 /, `${method} ${path}`);
      assert.match(answer, /\r\nconnection: close/i, `${method} ${path} closes the connection it did not drain`);
    }
  });

  it('are counted as they arrive when their length is not declared: over the limit a 413, under it read as usual', async () => {
    const chunked = (path: string, type: string, chunks: string[]) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest(`${gh.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': type, 'transfer-encoding': 'chunked' } }, (res) => {
          let body = '';
          res.on('data', (chunk) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode!, body }));
        });
        req.on('error', reject);
        for (const chunk of chunks) req.write(chunk);
        req.end();
      });
    const form = 'application/x-www-form-urlencoded';
    for (const path of ['/token', '/revoke', '/authorize', '/register']) {
      const type = path === '/register' ? 'application/json' : form;
      const refused = await chunked(
        path,
        type,
        Array.from({ length: 80 }, () => 'a'.repeat(1024)),
      );
      assert.equal(refused.status, 413, path);
      assert.match(refused.body, /too large/, path);
    }
    const read = await chunked('/token', form, [
      'grant_type=authorization_code',
      '&client_id=nobody',
      '&code=x&code_verifier=y&redirect_uri=https%3A%2F%2Fa.example%2Fcb',
    ]);
    assert.equal(read.status, 401, 'a small chunked body is read: the unknown client is refused');
    assert.equal(JSON.parse(read.body).error, 'invalid_client');
  });

  it('keep a pooled connection usable after a refusal that left the body unread', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const sockets = new WeakMap<object, number>();
    let opened = 0;
    const send = (path: string, type: string, size: number, auth = false) =>
      new Promise<Reply>((resolve, reject) => {
        const req = httpRequest(
          `${gh.baseUrl}${path}`,
          { method: 'POST', agent, headers: { 'content-type': type, 'content-length': size, ...(auth && { authorization: `Bearer ${token}` }) } },
          (res) => {
            res.resume();
            res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection, socket: sockets.get(res.socket)! }));
          },
        );
        req.on('socket', (socket) => void (sockets.has(socket) || sockets.set(socket, ++opened)));
        req.on('error', reject);
        req.end(Buffer.alloc(size, 'a'));
      });
    try {
      for (const [path, type, size, status, auth] of [
        ['/register', 'application/json', 2_000_000, 413, false],
        ['/token', 'application/x-www-form-urlencoded', 3_000_000, 413, false],
        ['/mcp', 'text/plain', 2_000_000, 415, true],
      ] as const) {
        const refused = await send(path, type, size, auth);
        assert.equal(refused.status, status, path);
        assert.equal(refused.connection, 'close', `${path}: the answer says the connection ends`);
        const next = await send(path, type === 'text/plain' ? 'application/json' : type, 20, auth);
        assert.ok([400, 401].includes(next.status), `${path}: the next request on the agent is answered (${next.status})`);
        assert.notEqual(next.socket, refused.socket, 'on a fresh connection');
      }
      // A small unread body is discarded, and the connection kept.
      const small = await send('/mcp', 'text/plain', 100, true);
      assert.equal(small.status, 415);
      assert.equal(small.connection, 'keep-alive');
      const reused = await send('/mcp', 'application/json', 20, true);
      assert.equal(reused.status, 400);
      assert.equal(reused.socket, small.socket, 'on the same connection');
    } finally {
      agent.destroy();
    }
  });
});
