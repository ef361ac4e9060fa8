// Builds the McpServer for one request: stateless serving means every request gets a fresh instance, holding the
// caller's identity and every configured toolset.
import { McpServer, type McpServerFactory, type RequestStateCodec, type ServerNotifier } from '@modelcontextprotocol/server';
import { VERSION } from '../version.js';
import { cacheSchemaConversions } from './schema-cache.js';
import { reportToolOutcomes, type ToolOutcome } from './tool-outcomes.js';
import type { Caller, ToolContext, Toolset, UpstreamAccess } from './toolset.js';

export interface ServerFactoryDeps {
  toolsets: readonly Toolset[];
  requestState: RequestStateCodec;
  notify: () => ServerNotifier;
  vault?: UpstreamAccess | undefined;
  onToolCall?: ToolOutcome | undefined;
}

export function createServerFactory(deps: ServerFactoryDeps): McpServerFactory {
  return ({ authInfo }) => {
    const caller = authInfo?.extra?.caller as Caller | undefined;
    if (!authInfo || !caller) throw new Error('an MCP server was requested without a verified caller');
    const context: ToolContext = {
      user: { id: caller.userId, username: caller.username },
      clientId: authInfo.clientId,
      scopes: authInfo.scopes,
      notify: deps.notify(),
      sealState: (payload, ctx) => deps.requestState.mint(payload, ctx),
      upstreamToken: async (provider) => deps.vault?.accessToken(provider, caller.userId),
    };
    let server = cacheSchemaConversions(
      new McpServer({ name: 'gatehouse', title: 'Gatehouse', version: VERSION }, { requestState: { verify: deps.requestState.verify } }),
    );
    if (deps.onToolCall) server = reportToolOutcomes(server, deps.onToolCall);
    for (const toolset of deps.toolsets) toolset(server, context);
    return server;
  };
}
