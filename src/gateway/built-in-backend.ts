// The built-in toolset as one backend of the aggregate endpoint (`/mcp` with upstream servers): its own McpServer,
// reached through the SDK's in-memory transport by one client that every caller shares, each request carrying its
// caller as every request to that server does (src/caller.ts).
import { Client, InMemoryTransport, isInputRequiredResult, ProtocolError as ClientProtocolError } from '@modelcontextprotocol/client';
import { ProtocolError, type McpServerFactory, type ServerContext } from '@modelcontextprotocol/server';
import { serveStdio, type StdioServerHandle } from '@modelcontextprotocol/server/stdio';
import { CALLER_META_KEY, type Caller } from '../caller.js';
import { VERSION } from '../version.js';
import { FIRST_CALL, isAskable, needsInputFrom, retryParams, type Relayed } from './input-requests.js';
import { relayContextOf, relayProgress } from './progress-relay.js';
import type { Backend } from './relay-server.js';
import type { RelayedMethod } from './upstream.js';

export class BuiltInBackend implements Backend {
  readonly name = 'gatehouse';
  #connection: Promise<{ client: Client; handle: StdioServerHandle }> | undefined;

  constructor(private readonly factory: McpServerFactory) {}

  async mayUse(): Promise<boolean> {
    return true;
  }

  permitsTool(): boolean {
    return true;
  }

  async missingSecrets(): Promise<string[]> {
    return [];
  }

  needsSecretMessage(): string {
    return '';
  }

  async request(caller: Caller, method: RelayedMethod, params: Record<string, unknown>, ctx: ServerContext, input = FIRST_CALL): Promise<Relayed> {
    const { client } = await this.#connect();
    const progress = relayProgress(relayContextOf(ctx));
    try {
      // A built-in tool's questions go to the caller as they are, with the tool's own state (2026-07-28).
      const result = await client.request(
        { method, params: { ...params, _meta: { ...progress.meta, [CALLER_META_KEY]: caller }, ...retryParams(input) } },
        { signal: ctx.mcpReq.signal, allowInputRequired: isAskable(input.askable), ...(progress.onprogress && { onprogress: progress.onprogress }) },
      );
      await progress.flushed();
      if (isInputRequiredResult(result)) return needsInputFrom(result, this.name);
      return result as Record<string, unknown>;
    } catch (error) {
      if (error instanceof ClientProtocolError) throw new ProtocolError(error.code, error.message, error.data);
      throw error;
    }
  }

  async close(): Promise<void> {
    const connection = await this.#connection?.catch(() => undefined);
    this.#connection = undefined;
    await connection?.client.close();
    await connection?.handle.close();
  }

  #connect() {
    this.#connection ??= (async () => {
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      const handle = serveStdio(this.factory, { transport: serverSide });
      const client = new Client(
        { name: 'gatehouse-aggregate', version: VERSION },
        { versionNegotiation: { mode: 'auto' }, inputRequired: { autoFulfill: false } },
      );
      await client.connect(clientSide);
      return { client, handle };
    })();
    return this.#connection;
  }
}
