// The SDK reference: the official MCP SDK alone, as its own examples serve it (a fresh McpServer per request,
// one tool, no authentication, no logging), on @hono/node-server. It shows what the SDK costs by itself, so
// Gatehouse's own overhead (authentication, logging, headers, its toolset) can be read apart from it.
import { serve } from '@hono/node-server';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';

const output = z.object({ id: z.string(), username: z.string(), client_id: z.string(), scopes: z.array(z.string()) });
const identity = { id: 'user', username: 'bench', client_id: 'bench', scopes: ['mcp:tools'] };

const handler = createMcpHandler(
  () => {
    const server = new McpServer({ name: 'sdk-reference', version: '1.0.0' });
    server.registerTool('whoami', { description: 'Who am I', outputSchema: output }, async () => ({
      content: [{ type: 'text', text: JSON.stringify(identity, null, 2) }],
      structuredContent: identity,
    }));
    return server;
  },
  { legacy: 'stateless' },
);

serve({ fetch: (request) => handler.fetch(request), port: Number(process.env.PORT), hostname: '127.0.0.1' }, () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => process.exit(0));
