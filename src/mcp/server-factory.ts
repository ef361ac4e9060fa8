// The McpServer Gatehouse serves, built from every configured toolset. Toolsets register once and read the caller
// from each request, so one instance answers any caller: the SDK builds one per connection (src/mcp/connection.ts)
// and one per request it serves itself (createMcpHandler), from this same factory, for both eras.
import { McpServer, type McpServerFactory, type RequestStateCodec, type ServerContext, type ServerNotifier } from '@modelcontextprotocol/server';
import { callerOf } from '../caller.js';
import { VERSION } from '../version.js';
import { convertToolSchemasOnce } from './listed-schemas.js';
import { reportToolOutcomes, type ToolOutcome } from './tool-outcomes.js';
import type { ToolServices, Toolset, UpstreamAccess } from './toolset.js';

export interface ServerFactoryDeps {
  toolsets: readonly Toolset[];
  requestState: RequestStateCodec;
  /** The notifier of the handler's event bus, which exists only once the handler does. */
  notify: () => ServerNotifier;
  vault?: UpstreamAccess | undefined;
  onToolCall?: ToolOutcome | undefined;
}

export const SERVER_INFO = { name: 'gatehouse', title: 'Gatehouse', version: VERSION };

export function createServerFactory(deps: ServerFactoryDeps): McpServerFactory {
  const services: ToolServices = {
    get notify() {
      return deps.notify();
    },
    sealState: (payload, ctx) => deps.requestState.mint(payload, ctx),
    upstreamToken: async (provider, ctx: ServerContext) => deps.vault?.accessToken(provider, callerOf(ctx).user.id),
  };
  return () => {
    let server = convertToolSchemasOnce(new McpServer(SERVER_INFO, { requestState: { verify: deps.requestState.verify } }));
    if (deps.onToolCall) server = reportToolOutcomes(server, deps.onToolCall);
    for (const toolset of deps.toolsets) toolset(server, services);
    return server;
  };
}
