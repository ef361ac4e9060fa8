// The McpServer for one request: one holding the caller's identity and every configured toolset. 2026-07-28 requests
// carry everything about the client in their own envelope, so an instance that served this caller before serves them
// again; 2025-era instances keep what `initialize` told them, so each of those requests gets a fresh one.
import { McpServer, type McpServerFactory, type RequestStateCodec, type ServerNotifier } from '@modelcontextprotocol/server';
import { VERSION } from '../version.js';
import { cacheSchemaConversions } from './schema-cache.js';
import { ServerPool } from './server-pool.js';
import { reportToolOutcomes, type ToolOutcome } from './tool-outcomes.js';
import type { Caller, ToolContext, Toolset, UpstreamAccess } from './toolset.js';

export interface ServerFactoryDeps {
  toolsets: readonly Toolset[];
  requestState: RequestStateCodec;
  notify: () => ServerNotifier;
  vault?: UpstreamAccess | undefined;
  onToolCall?: ToolOutcome | undefined;
}

/** Idle instances kept for reuse, about 17 KB each with the demo toolset. */
const POOL_CAPACITY = 256;

export function createServerFactory(deps: ServerFactoryDeps): McpServerFactory {
  const pool = new ServerPool(POOL_CAPACITY);
  return ({ era, authInfo, requestInfo }) => {
    const caller = authInfo?.extra?.caller as Caller | undefined;
    if (!authInfo || !caller) throw new Error('an MCP server was requested without a verified caller');
    if (era === 'legacy') return build(authInfo.clientId, authInfo.scopes, caller);
    // Everything the toolsets' context is made of: an instance built for one of these serves no other.
    const key = [authInfo.clientId, caller.userId, caller.username, authInfo.scopes.join(' ')].join('\0');
    const server = pool.take(key) ?? build(authInfo.clientId, authInfo.scopes, caller);
    pool.lend(key, server, requestInfo?.signal);
    return server;
  };

  function build(clientId: string, scopes: string[], caller: Caller): McpServer {
    const context: ToolContext = {
      user: { id: caller.userId, username: caller.username },
      clientId,
      scopes,
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
  }
}
