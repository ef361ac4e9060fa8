// The upstream the gateway bench reaches over stdio: the official SDK's McpServer with the reference tool of
// sdk-server.mjs, on its own stdio entry point, as a deployer's server would run.
import { McpServer } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { z } from 'zod';

const output = z.object({ id: z.string(), username: z.string(), client_id: z.string(), scopes: z.array(z.string()) });
const identity = { id: 'user', username: 'bench', client_id: 'bench', scopes: ['mcp:tools'] };

serveStdio(() => {
  const server = new McpServer({ name: 'stdio-reference', version: '1.0.0' });
  server.registerTool('whoami', { description: 'Who am I', outputSchema: output }, async () => ({
    content: [{ type: 'text', text: JSON.stringify(identity, null, 2) }],
    structuredContent: identity,
  }));
  return server;
});
