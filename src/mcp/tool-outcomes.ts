// Counts each tool call and whether it failed (a thrown error, or a result marked isError), by wrapping the
// callbacks tools register on a request's server.
import type { McpServer } from '@modelcontextprotocol/server';

export type ToolOutcome = (tool: string, outcome: 'ok' | 'error') => void;

export function reportToolOutcomes(server: McpServer, report: ToolOutcome): McpServer {
  const registerTool = server.registerTool.bind(server) as (...args: unknown[]) => unknown;
  server.registerTool = ((name: string, config: unknown, callback: (...args: unknown[]) => unknown) =>
    registerTool(name, config, async (...args: unknown[]) => {
      try {
        const result = (await callback(...args)) as { isError?: boolean } | undefined;
        report(name, result?.isError ? 'error' : 'ok');
        return result;
      } catch (error) {
        report(name, 'error');
        throw error;
      }
    })) as McpServer['registerTool'];
  return server;
}
