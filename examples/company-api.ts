// A deployer's own API behind Gatehouse: tools, a resource and a prompt that read the signed-in user's orders from
// a company service, on that user's behalf. Gatehouse has already checked the caller's token and scopes; each
// handler reads who they are (`callerOf(ctx).user`), through which app (`clientId`) and with which scopes, and calls
// the service with its own credential, naming the user. The MCP client's token never leaves Gatehouse.
//
// Run with: COMPANY_API_URL=https://api.example.com COMPANY_API_KEY=… npx tsx examples/company-api.ts
import { createServer } from 'node:http';
import { ResourceTemplate } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { callerOf, createGatehouse, type Caller, type Toolset } from '../src/index.js';

export interface CompanyApi {
  baseUrl: string;
  /** The service credential Gatehouse uses; the service trusts it to name the user it acts for. */
  apiKey: string;
}

const Order = z.object({ id: z.string(), item: z.string(), status: z.string(), total: z.number() });
type Order = z.infer<typeof Order>;
const Orders = z.object({ orders: z.array(Order) });

class CompanyApiError extends Error {}

/** GET on the company API as `user`: the service key authenticates Gatehouse, the header names the user. */
async function get<T>(api: CompanyApi, user: Caller['user'], path: string): Promise<T> {
  let response: Response;
  try {
    response = await fetch(new URL(path, api.baseUrl), {
      headers: { authorization: `Bearer ${api.apiKey}`, 'x-on-behalf-of': user.username, accept: 'application/json' },
      signal: AbortSignal.timeout(5000),
    });
  } catch {
    throw new CompanyApiError('the order service cannot be reached right now');
  }
  if (response.status === 404) throw new CompanyApiError('not found');
  if (!response.ok) throw new CompanyApiError(`the order service answered ${response.status}`);
  return (await response.json()) as T;
}

const ordersPath = (user: Caller['user']) => `/users/${encodeURIComponent(user.username)}/orders`;

export function companyApiToolset(api: CompanyApi): Toolset {
  return (server) => {
    server.registerTool(
      'my_orders',
      {
        title: 'My orders',
        description: 'Lists the signed-in user’s orders, newest first.',
        outputSchema: Orders,
        annotations: { readOnlyHint: true, openWorldHint: false },
      },
      async (ctx) => {
        const { user } = callerOf(ctx);
        try {
          const orders = await get<Order[]>(api, user, ordersPath(user));
          return {
            content: [{ type: 'text', text: orders.map((o) => `${o.id}: ${o.item} (${o.status})`).join('\n') || 'No orders.' }],
            structuredContent: { orders },
          };
        } catch (error) {
          if (error instanceof CompanyApiError) return { content: [{ type: 'text', text: error.message }], isError: true };
          throw error;
        }
      },
    );

    server.registerResource(
      'order',
      new ResourceTemplate('order://{id}', { list: undefined }),
      { title: 'An order', mimeType: 'application/json' },
      async (uri, { id }, ctx) => {
        const { user } = callerOf(ctx);
        const order = await get<Order>(api, user, `${ordersPath(user)}/${encodeURIComponent(String(id))}`);
        return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(order) }] };
      },
    );

    server.registerPrompt(
      'order_follow_up',
      { title: 'Follow up on an order', description: 'Drafts a polite message about a late order.', argsSchema: z.object({ id: z.string().max(100) }) },
      ({ id }) => ({
        messages: [{ role: 'user', content: { type: 'text', text: `Read order://${id} and draft a short, polite message to support about its delay.` } }],
      }),
    );
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const api = { baseUrl: process.env.COMPANY_API_URL ?? 'http://127.0.0.1:4000', apiKey: process.env.COMPANY_API_KEY ?? '' };
  const gatehouse = await createGatehouse({ toolsets: () => [companyApiToolset(api)] });
  createServer(gatehouse.requestListener).listen(gatehouse.config.port, gatehouse.config.host);
  gatehouse.logger.info({ mcp: `${gatehouse.config.baseUrl}/mcp`, api: api.baseUrl }, 'Gatehouse for the company API is listening');
}
