// The floor under Gatehouse's hot path: the official MCP SDK alone, the same server as sdk-server.mjs, but reached
// as Gatehouse reaches it, through one long-lived connection (serveStdio with an in-memory transport) from a bare
// node:http server: no authentication, no logging, no headers but the content type. What Gatehouse adds on top of
// this is its own cost; everything under it is Node's and the SDK's.
import { createServer } from 'node:http';
import { McpServer } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { z } from 'zod';

const output = z.object({ id: z.string(), username: z.string(), client_id: z.string(), scopes: z.array(z.string()) });
const identity = { id: 'user', username: 'bench', client_id: 'bench', scopes: ['mcp:tools'] };
const factory = () => {
  const server = new McpServer({ name: 'sdk-reference', version: '1.0.0' });
  server.registerTool('whoami', { description: 'Who am I', outputSchema: output }, async () => ({
    content: [{ type: 'text', text: JSON.stringify(identity, null, 2) }],
    structuredContent: identity,
  }));
  return server;
};

/** Delivers each request to the connection under a fresh id and hands its answer back. */
class Wire {
  pending = new Map();
  next = 0;
  async start() {}
  async close() {}
  async send(message) {
    const pending = this.pending.get(message.id);
    if (!pending || !('result' in message || 'error' in message)) return;
    this.pending.delete(message.id);
    pending.resolve({ ...message, id: pending.id });
  }
  exchange(message) {
    const id = ++this.next;
    return new Promise((resolve) => {
      this.pending.set(id, { id: message.id, resolve });
      this.onmessage({ ...message, id });
    });
  }
}
const wire = new Wire();
serveStdio(factory, { transport: wire });

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', async () => {
    const answer = JSON.stringify(await wire.exchange(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer) });
    res.end(answer);
  });
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
