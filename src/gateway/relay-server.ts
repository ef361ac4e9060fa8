// The MCP server a caller sees in front of upstream servers: at `/mcp/<name>` one upstream as it is, at `/mcp` the
// built-in toolset with every upstream the caller may use, their tools and prompts named `<server>__<name>`. The
// SDK's low-level Server does the protocol (both eras, envelopes, validation of what comes back); this module only
// decides which backend answers and what the caller may see of it.
import {
  CLIENT_CAPABILITIES_META_KEY,
  inputRequired,
  ProtocolError,
  ProtocolErrorCode,
  Server,
  type CallToolResult,
  type CompleteResult,
  type GetPromptResult,
  type ListPromptsResult,
  type ListResourcesResult,
  type ListResourceTemplatesResult,
  type ListToolsResult,
  type McpServerFactory,
  type ReadResourceResult,
  type RequestStateCodec,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { LRUCache } from 'lru-cache';
import { callerOf, type Caller } from '../caller.js';
import type { Logger } from '../log.js';
import { SERVER_INFO } from '../mcp/server-factory.js';
import { GatewayError, UpstreamRefusal } from './gateway-error.js';
import { askableFrom, completed, NeedsInput, type CallInput, type Relayed, type Resume } from './input-requests.js';
import type { RelayedMethod } from './upstream.js';

/** Something that answers relayed requests: an upstream server, or the built-in toolset at the aggregate endpoint. */
export interface Backend {
  readonly name: string;
  mayUse(caller: Caller): Promise<boolean>;
  permitsTool(tool: string): boolean;
  missingSecrets(caller: Caller): Promise<string[]>;
  needsSecretMessage(missing: readonly string[]): string;
  /** Relays one request; `input` says what the caller can be asked, and, on a retry, their answers (input-requests.ts). */
  request(caller: Caller, method: RelayedMethod, params: Record<string, unknown>, ctx: ServerContext, input?: CallInput): Promise<Relayed>;
}

export interface RelayServerOptions {
  backends: readonly Backend[];
  /** The aggregate endpoint: names carry their server's prefix, except the built-in toolset's. */
  aggregate: boolean;
  /** The built-in toolset's backend, whose names go unprefixed (aggregate only). */
  builtIn?: Backend | undefined;
  logger: Logger;
  /** How long the aggregate's lists wait for each backend (LIST_WAIT_MS unless given). */
  listWaitMs?: number | undefined;
  /** Seals where a call that asked its caller for input resumes, bound to the caller (the endpoint's codec). */
  requestState: RequestStateCodec;
}

/** Where a call that asked its caller for input resumes, sealed in the `requestState` the caller echoes. */
interface ResumeState {
  server: string;
  /** The tool, prompt or resource asked for: a retry must ask for the same. */
  target: string;
  resume: Resume;
}

/** The methods whose calls may ask their caller for input (2026-07-28 multi round-trip requests). */
type AskingMethod = 'tools/call' | 'prompts/get' | 'resources/read';

/** Between a server's name and its tool's, at the aggregate endpoint. */
export const SEPARATOR = '__';
/** Claude's limit on tool names (and the SDK's). */
const NAME = /^[a-zA-Z0-9_-]{1,64}$/;
/** A page walk bound: an upstream whose cursor never ends is cut off here. */
const MAX_PAGES = 20;
/** How long the aggregate's lists wait for one backend: Claude lists on connecting, and gives up on a slow answer. */
export const LIST_WAIT_MS = 10_000;
/** The tool a server shows while the caller has not supplied its secrets. */
const CONNECT_TOOL = 'connect';

type Listed = Record<string, unknown> & { name?: unknown; uri?: unknown };

export function relayServerFactory(options: RelayServerOptions): McpServerFactory {
  const relay = new Relay(options);
  return () => relay.server();
}

class Relay {
  /** Which backend listed a resource URI to a user, so that reading it goes there. */
  readonly #resourceHomes = new LRUCache<string, string>({ max: 10_000 });

  constructor(private readonly options: RelayServerOptions) {}

  server(): Server {
    const server = new Server(SERVER_INFO, {
      capabilities: { tools: { listChanged: true }, resources: { listChanged: true }, prompts: { listChanged: true }, completions: {} },
      requestState: { verify: this.options.requestState.verify },
    });
    // What comes back from a backend was validated as its method's result by the client that received it.
    server.setRequestHandler('tools/list', async (_request, ctx) => ({ tools: await this.#listTools(callerOf(ctx), ctx) }) as ListToolsResult);
    server.setRequestHandler('tools/call', (request, ctx) => this.#callTool(callerOf(ctx), request.params, ctx) as Promise<CallToolResult>);
    server.setRequestHandler(
      'prompts/list',
      async (_request, ctx) => ({ prompts: await this.#list(callerOf(ctx), 'prompts/list', 'prompts', ctx) }) as ListPromptsResult,
    );
    server.setRequestHandler('prompts/get', (request, ctx) => this.#named(callerOf(ctx), 'prompts/get', request.params, ctx) as Promise<GetPromptResult>);
    server.setRequestHandler(
      'resources/list',
      async (_request, ctx) => ({ resources: await this.#list(callerOf(ctx), 'resources/list', 'resources', ctx) }) as ListResourcesResult,
    );
    server.setRequestHandler(
      'resources/templates/list',
      async (_request, ctx) =>
        ({ resourceTemplates: await this.#list(callerOf(ctx), 'resources/templates/list', 'resourceTemplates', ctx) }) as ListResourceTemplatesResult,
    );
    server.setRequestHandler('resources/read', (request, ctx) => this.#read(callerOf(ctx), request.params, ctx) as Promise<ReadResourceResult>);
    server.setRequestHandler('completion/complete', (request, ctx) => this.#complete(callerOf(ctx), request.params, ctx) as Promise<CompleteResult>);
    return server;
  }

  async #usable(caller: Caller): Promise<Backend[]> {
    const allowed = await Promise.all(this.options.backends.map((backend) => backend.mayUse(caller)));
    return this.options.backends.filter((_, index) => allowed[index]);
  }

  #prefixed(backend: Backend, name: string): string {
    return !this.options.aggregate || backend === this.options.builtIn ? name : `${backend.name}${SEPARATOR}${name}`;
  }

  /** The backend a (possibly prefixed) name belongs to, and the name it has there. */
  async #resolve(caller: Caller, name: string): Promise<{ backend: Backend; name: string } | undefined> {
    const usable = await this.#usable(caller);
    if (!this.options.aggregate) return usable[0] && { backend: usable[0], name };
    const at = name.indexOf(SEPARATOR);
    const prefixed = at > 0 ? usable.find((backend) => backend !== this.options.builtIn && backend.name === name.slice(0, at)) : undefined;
    if (prefixed) return { backend: prefixed, name: name.slice(at + SEPARATOR.length) };
    const builtIn = this.options.builtIn;
    return builtIn && usable.includes(builtIn) ? { backend: builtIn, name } : undefined;
  }

  async #listTools(caller: Caller, ctx: ServerContext): Promise<Listed[]> {
    const lists = await Promise.all(
      (await this.#usable(caller)).map(async (backend) => {
        const missing = await backend.missingSecrets(caller);
        if (missing.length > 0) return [this.#connectTool(backend, missing)];
        const tools = await this.#walk(backend, caller, 'tools/list', 'tools', ctx);
        return tools.filter((tool) => typeof tool.name === 'string' && backend.permitsTool(tool.name)).map((tool) => this.#rename(backend, tool));
      }),
    );
    return lists.flat().filter((tool): tool is Listed => tool !== undefined);
  }

  /** Until its secrets are supplied, a server shows one tool, which says where to supply them. */
  #connectTool(backend: Backend, missing: readonly string[]): Listed {
    return {
      name: this.#prefixed(backend, CONNECT_TOOL),
      description: backend.needsSecretMessage(missing),
      inputSchema: { type: 'object', properties: {} },
    };
  }

  async #callTool(caller: Caller, params: Record<string, unknown>, ctx: ServerContext): Promise<Record<string, unknown>> {
    const requested = String(params.name);
    const found = await this.#resolve(caller, requested);
    if (!found) throw unknownTool(requested);
    const { backend, name } = found;
    const missing = await backend.missingSecrets(caller);
    if (missing.length > 0) return toolError(backend.needsSecretMessage(missing));
    if (!backend.permitsTool(name)) throw unknownTool(requested);
    try {
      return await this.#asking(backend, caller, 'tools/call', { ...params, name }, requested, ctx);
    } catch (error) {
      if (error instanceof UpstreamRefusal) throw asProtocolError(error);
      if (error instanceof GatewayError) return toolError(error.message);
      throw error;
    }
  }

  /** Prompts and resources: every usable backend's, each named for the aggregate. */
  async #list(caller: Caller, method: RelayedMethod, key: string, ctx: ServerContext): Promise<Listed[]> {
    const lists = await Promise.all(
      (await this.#usable(caller)).map(async (backend) => {
        if ((await backend.missingSecrets(caller)).length > 0) return [];
        const items = await this.#walk(backend, caller, method, key, ctx);
        if (method === 'resources/list')
          for (const item of items) if (typeof item.uri === 'string') this.#resourceHomes.set(`${caller.user.id}\0${item.uri}`, backend.name);
        // A resource is addressed by its URI, which stays as the upstream gave it; its name shows where it lives.
        return items.map((item) => this.#rename(backend, item));
      }),
    );
    return lists.flat().filter((item): item is Listed => item !== undefined);
  }

  async #named(caller: Caller, method: 'prompts/get', params: Record<string, unknown>, ctx: ServerContext): Promise<Record<string, unknown>> {
    const requested = String(params.name);
    const found = await this.#resolve(caller, requested);
    if (!found) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Prompt ${requested} not found`);
    return this.#relayAsking(found.backend, caller, method, { ...params, name: found.name }, requested, ctx);
  }

  async #read(caller: Caller, params: Record<string, unknown>, ctx: ServerContext): Promise<Record<string, unknown>> {
    const uri = String(params.uri);
    const usable = await this.#usable(caller);
    // A retry after the caller answered goes back to the server that asked.
    const resuming = this.#resumeState(ctx);
    if (resuming) {
      const backend = usable.find((candidate) => candidate.name === resuming.server);
      if (!backend) throw staleState();
      return this.#relayAsking(backend, caller, 'resources/read', params, uri, ctx);
    }
    const home = this.#resourceHomes.get(`${caller.user.id}\0${uri}`);
    const first = usable.find((backend) => backend.name === home);
    // A URI nobody listed (one from a template, or a link in a tool's result): each backend is asked in turn.
    const candidates = first ? [first, ...usable.filter((backend) => backend !== first)] : usable;
    let lastError: unknown = new ProtocolError(ProtocolErrorCode.ResourceNotFound, `Resource ${uri} not found`);
    for (const backend of candidates) {
      if ((await backend.missingSecrets(caller)).length > 0) continue;
      try {
        return await this.#relayAsking(backend, caller, 'resources/read', params, uri, ctx);
      } catch (error) {
        lastError = error;
        if (!this.options.aggregate) break;
      }
    }
    throw lastError;
  }

  async #complete(caller: Caller, params: Record<string, unknown>, ctx: ServerContext): Promise<Record<string, unknown>> {
    const ref = params.ref as { type?: unknown; name?: unknown; uri?: unknown } | undefined;
    if (ref?.type === 'ref/prompt' && typeof ref.name === 'string') {
      const found = await this.#resolve(caller, ref.name);
      if (!found) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Prompt ${ref.name} not found`);
      return this.#relay(found.backend, caller, 'completion/complete', { ...params, ref: { ...ref, name: found.name } }, ctx);
    }
    const usable = await this.#usable(caller);
    const home = typeof ref?.uri === 'string' ? this.#resourceHomes.get(`${caller.user.id}\0${ref.uri}`) : undefined;
    const backend = usable.find((candidate) => candidate.name === home) ?? usable[0];
    if (!backend) return { completion: { values: [] } };
    return this.#relay(backend, caller, 'completion/complete', params, ctx);
  }

  /** One relayed request whose failure is a JSON-RPC error (everything but tools/call, which answers tool errors). */
  async #relay(backend: Backend, caller: Caller, method: RelayedMethod, params: Record<string, unknown>, ctx: ServerContext) {
    try {
      return completed(await backend.request(caller, method, params, ctx, { askable: askableOf(ctx) }), backend.name);
    } catch (error) {
      throw error instanceof GatewayError ? asProtocolError(error) : error;
    }
  }

  /** #relay for a request that may ask its caller for input. */
  async #relayAsking(backend: Backend, caller: Caller, method: AskingMethod, params: Record<string, unknown>, target: string, ctx: ServerContext) {
    try {
      return await this.#asking(backend, caller, method, params, target, ctx);
    } catch (error) {
      throw error instanceof GatewayError ? asProtocolError(error) : error;
    }
  }

  /**
   * A request that may ask its caller for input: relayed with what the caller can be asked, and, on a retry, with
   * their answers to the server that asked. A call that needs input answers `input_required`, where it resumes
   * sealed in the requestState the caller echoes (the SDK verifies it, bound to this caller and method).
   */
  async #asking(backend: Backend, caller: Caller, method: AskingMethod, params: Record<string, unknown>, target: string, ctx: ServerContext) {
    const resuming = this.#resumeState(ctx);
    if (resuming && (resuming.server !== backend.name || resuming.target !== target)) throw staleState();
    const askable = askableOf(ctx);
    const input: CallInput = resuming ? { askable, responses: ctx.mcpReq.inputResponses ?? {}, resume: resuming.resume } : { askable };
    const relayed = await backend.request(caller, method, params, ctx, input);
    if (!(relayed instanceof NeedsInput)) return relayed;
    const state: ResumeState = { server: backend.name, target, resume: relayed.resume };
    return inputRequired({
      inputRequests: relayed.inputRequests as Parameters<typeof inputRequired>[0]['inputRequests'],
      requestState: await this.options.requestState.mint(state, ctx),
    }) as unknown as Record<string, unknown>;
  }

  /** Where a retried call resumes, from the requestState the SDK verified; undefined on a first call. */
  #resumeState(ctx: ServerContext): ResumeState | undefined {
    const state = ctx.mcpReq.requestState<ResumeState>();
    return typeof state === 'object' && state !== null && typeof state.server === 'string' ? state : undefined;
  }

  /**
   * A backend's whole list. At the aggregate endpoint, a backend that fails, or has not answered within the list
   * wait (a cold `npx -y` start), is left out and logged: one server never holds up or breaks everyone's list. Its
   * start goes on, so a later list has it.
   */
  async #walk(backend: Backend, caller: Caller, method: RelayedMethod, key: string, ctx: ServerContext): Promise<Listed[]> {
    const listing = this.#pages(backend, caller, method, key, ctx);
    if (!this.options.aggregate) {
      return listing.catch((error: unknown) => {
        throw error instanceof GatewayError ? asProtocolError(error) : new ProtocolError(ProtocolErrorCode.InternalError, `${backend.name} failed`);
      });
    }
    const leftOut = (reason: string): Listed[] => {
      this.options.logger.warn({ server: backend.name, method, reason }, 'left out of the list');
      return [];
    };
    const waitMs = this.options.listWaitMs ?? LIST_WAIT_MS;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<Listed[]>((resolve) => {
      timer = setTimeout(() => resolve(leftOut(`no answer within ${waitMs / 1000} s`)), waitMs);
      timer.unref();
    });
    const answered = listing.then(
      (items) => items,
      (error: unknown) => leftOut(error instanceof GatewayError ? error.reason : String(error)),
    );
    try {
      return await Promise.race([answered, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Every page of a backend's list, at most MAX_PAGES. */
  async #pages(backend: Backend, caller: Caller, method: RelayedMethod, key: string, ctx: ServerContext): Promise<Listed[]> {
    const items: Listed[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const result = completed(await backend.request(caller, method, cursor === undefined ? {} : { cursor }, ctx, { askable: askableOf(ctx) }), backend.name);
      const listed = result[key];
      if (Array.isArray(listed)) items.push(...(listed as Listed[]));
      cursor = typeof result.nextCursor === 'string' ? result.nextCursor : undefined;
      if (cursor === undefined) break;
    }
    return items;
  }

  /** The item as the aggregate names it; one whose name would break Claude's limit is left out. */
  #rename(backend: Backend, item: Listed): Listed | undefined {
    if (typeof item.name !== 'string') return item;
    const name = this.#prefixed(backend, item.name);
    if (name === item.name) return item;
    if ('uri' in item || 'uriTemplate' in item) return { ...item, name };
    if (!NAME.test(name)) {
      this.options.logger.warn({ server: backend.name, name: item.name }, 'left out of the aggregate list: its prefixed name is longer than 64 characters');
      return undefined;
    }
    return { ...item, name };
  }
}

/** A refusal as a JSON-RPC error: with the upstream's own code when it answered one, else an internal error naming the server. */
function asProtocolError(error: GatewayError): ProtocolError {
  return error instanceof UpstreamRefusal ? new ProtocolError(error.code, error.message) : new ProtocolError(ProtocolErrorCode.InternalError, error.message);
}

/**
 * What the caller can be asked, as their request declares it: only a 2026-07-28 request carries an envelope, so a
 * 2025-era caller is never asked. Every request passes it on, because the request that starts a session decides
 * what the session offers its upstream.
 */
const askableOf = (ctx: ServerContext) => askableFrom((ctx.mcpReq.envelope as Record<string, unknown> | undefined)?.[CLIENT_CAPABILITIES_META_KEY]);

const staleState = () => new ProtocolError(ProtocolErrorCode.InvalidParams, 'Invalid or expired requestState');

const unknownTool = (name: string) => new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown tool: ${name}`);

const toolError = (text: string) => ({ content: [{ type: 'text', text }], isError: true });
