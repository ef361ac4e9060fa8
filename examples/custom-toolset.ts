// A deployer's own server: the demo toolset plus a tool of its own. Run with: npx tsx examples/custom-toolset.ts
import { createServer } from 'node:http';
import { z } from 'zod';
import { callerOf, createGatehouse, demoToolset, type Toolset } from '../src/index.js';

export const forecast: Toolset = (server) => {
  server.registerTool(
    'forecast',
    {
      description: 'Tomorrow’s forecast for a city',
      inputSchema: z.object({ city: z.string().min(1).max(100) }),
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ city }, ctx) => ({ content: [{ type: 'text', text: `Sunny in ${city}, ${callerOf(ctx).user.username}.` }] }),
  );
};

if (import.meta.url === `file://${process.argv[1]}`) {
  const gatehouse = await createGatehouse({ toolsets: (storage) => [demoToolset(storage.notes), forecast] });
  createServer(gatehouse.requestListener).listen(gatehouse.config.port, gatehouse.config.host);
  gatehouse.logger.info({ mcp: `${gatehouse.config.baseUrl}/mcp` }, 'custom Gatehouse is listening');
}
