// Builds the McpServer for one request: stateless serving means every request gets a fresh instance, holding the
// caller's identity and every configured toolset.
import { McpServer, type McpServerFactory } from '@modelcontextprotocol/server';
import { VERSION } from '../version.js';
import type { Caller, ToolContext, Toolset } from './toolset.js';

export function createServerFactory(toolsets: readonly Toolset[]): McpServerFactory {
  return ({ authInfo }) => {
    const caller = authInfo?.extra?.caller as Caller | undefined;
    if (!authInfo || !caller) throw new Error('an MCP server was requested without a verified caller');
    const context: ToolContext = {
      user: { id: caller.userId, username: caller.username },
      clientId: authInfo.clientId,
      scopes: authInfo.scopes,
    };
    const server = new McpServer({ name: 'gatehouse', title: 'Gatehouse', version: VERSION });
    for (const toolset of toolsets) toolset(server, context);
    return server;
  };
}
