// One upstream server as the caller's requests reach it: who may use it, which of its tools they see, the launch
// rendered for them (their values, their secrets), and each request relayed over their session, bounded by the
// server's timeout, its progress passed back, its outcome audited and counted.
import { ProtocolError as UpstreamProtocolError, SdkError, SdkErrorCode, SERVER_INFO_META_KEY, type Client } from '@modelcontextprotocol/client';
import type { ServerContext } from '@modelcontextprotocol/server';
import type { Caller } from '../caller.js';
import { GatewayError } from './gateway-error.js';
import { relayProgress } from './progress-relay.js';
import { mayUse, permitsTool, type Person } from './policy.js';
import { referencesOf, type UpstreamServer } from './servers-file.js';
import { MissingSecret, MissingTemplateValue, UnsafeTemplateValue, type TemplateValues } from './templates.js';
import type { Launch, UpstreamSessions } from './upstream-sessions.js';

/** The requests relayed to an upstream, as its MCP client sends them. */
export type RelayedMethod =
  'tools/list' | 'tools/call' | 'resources/list' | 'resources/templates/list' | 'resources/read' | 'prompts/list' | 'prompts/get' | 'completion/complete';

export interface UpstreamDeps {
  sessions: UpstreamSessions;
  /** Who a user is beyond their token: email and upstream groups, for access rules and templates. */
  person(caller: Caller): Promise<Person>;
  /** The values this user saved for this server on /account. */
  secrets(userId: string, server: string): Promise<Record<string, string>>;
  /** The user's token at an upstream identity provider (`oidc`, `github`), when kept. */
  upstreamToken(provider: string, userId: string): Promise<string | undefined>;
  /** Where a user supplies a missing secret. */
  connectionsUrl: string;
  /** Told of every relayed request, for the audit trail and the metrics. */
  onRequest(call: RelayedRequest): void;
}

export interface RelayedRequest {
  server: string;
  method: RelayedMethod;
  /** The tool, prompt or resource the request names. */
  target: string | undefined;
  caller: Caller;
  outcome: 'ok' | 'error' | 'refused';
  reason?: string | undefined;
  seconds: number;
}

export class Upstream {
  /** Which upstream tokens its templates need, found once. */
  readonly #upstreamTokens: readonly string[];

  constructor(
    readonly server: UpstreamServer,
    private readonly deps: UpstreamDeps,
  ) {
    this.#upstreamTokens = referencesOf(server).upstream;
  }

  get name(): string {
    return this.server.name;
  }

  async mayUse(caller: Caller): Promise<boolean> {
    return mayUse(this.server.allow, await this.deps.person(caller));
  }

  permitsTool(tool: string): boolean {
    return permitsTool(this.server.tools, tool);
  }

  /** The secrets this server declares that the caller has not saved yet. */
  async missingSecrets(caller: Caller): Promise<string[]> {
    const declared = Object.keys(this.server.secrets);
    if (declared.length === 0) return [];
    const saved = await this.deps.secrets(caller.user.id, this.server.name);
    return declared.filter((name) => saved[name] === undefined);
  }

  /** What to tell a user whose call needs a secret they have not supplied. */
  needsSecretMessage(missing: readonly string[]): string {
    return `${this.server.name} needs ${missing.join(', ')} from you before it can be used: add ${missing.length > 1 ? 'them' : 'it'} at ${this.deps.connectionsUrl}`;
  }

  /** Relays one request over the caller's session; progress comes back to the caller's own request. */
  async request(caller: Caller, method: RelayedMethod, params: Record<string, unknown>, ctx: ServerContext): Promise<Record<string, unknown>> {
    const started = performance.now();
    const target = typeof params.name === 'string' ? params.name : typeof params.uri === 'string' ? params.uri : undefined;
    const report = (outcome: RelayedRequest['outcome'], reason?: string) =>
      this.deps.onRequest({ server: this.server.name, method, target, caller, outcome, reason, seconds: (performance.now() - started) / 1000 });
    try {
      const launch = await this.#launch(caller);
      const owner = this.server.isolation === 'shared' ? '*' : caller.user.id;
      const result = await this.deps.sessions.use(this.server, owner, launch, (client) => this.#send(client, method, params, ctx));
      report(method === 'tools/call' && result.isError === true ? 'error' : 'ok');
      return result;
    } catch (error) {
      const refusal = this.#asGatewayError(error);
      report(refusal.reason === 'upstream_error' ? 'error' : 'refused', refusal.reason);
      throw refusal;
    }
  }

  async #send(client: Client, method: RelayedMethod, params: Record<string, unknown>, ctx: ServerContext): Promise<Record<string, unknown>> {
    const progress = relayProgress(ctx);
    const result = await client.request(
      { method, params: { ...params, _meta: progress.meta } },
      {
        signal: ctx.mcpReq.signal,
        timeout: this.server.timeoutMs,
        maxTotalTimeout: this.server.timeoutMs,
        resetTimeoutOnProgress: true,
        ...(progress.onprogress && { onprogress: progress.onprogress }),
      },
    );
    await progress.flushed();
    return withoutServerInfo(result as Record<string, unknown>);
  }

  /** The launch for this caller: every template rendered with their values; refused when one is unsafe or missing. */
  async #launch(caller: Caller): Promise<Launch> {
    const server = this.server;
    const values = await this.#values(caller);
    if (server.transport === 'stdio') {
      return {
        transport: 'stdio',
        command: server.command.render(values, 'argument'),
        args: server.args.map((arg) => arg.render(values, 'argument')),
        env: Object.fromEntries(Object.entries(server.env).map(([name, value]) => [name, value.render(values, 'argument')])),
        cwd: server.cwd,
      };
    }
    return {
      transport: server.transport,
      url: server.url.render(values, 'url'),
      headers: Object.fromEntries(Object.entries(server.headers).map(([name, value]) => [name, value.render(values, 'header')])),
    };
  }

  async #values(caller: Caller): Promise<TemplateValues> {
    const person = await this.deps.person(caller);
    const secrets = Object.keys(this.server.secrets).length > 0 ? await this.deps.secrets(caller.user.id, this.server.name) : {};
    const upstream: Record<string, string | undefined> = {};
    for (const provider of this.#upstreamTokens) upstream[provider] = await this.deps.upstreamToken(provider, caller.user.id);
    return { user: { id: caller.user.id, username: caller.user.username, email: person.email }, secrets, upstream };
  }

  #asGatewayError(error: unknown): GatewayError {
    const name = this.server.name;
    if (error instanceof GatewayError) return error;
    if (error instanceof MissingSecret) return new GatewayError('needs_secret', this.needsSecretMessage([error.secret]));
    if (error instanceof UnsafeTemplateValue)
      return new GatewayError(
        'unsafe_value',
        `${name} cannot be used with your account: your ${error.reference.replace('user.', '')} holds characters it does not accept`,
      );
    if (error instanceof MissingTemplateValue)
      return new GatewayError(
        'missing_value',
        `${name} needs your ${error.reference.replace('user.', '').replace('upstream.', 'sign-in at ')}, which Gatehouse does not have`,
      );
    if (error instanceof SdkError && error.code === SdkErrorCode.RequestTimeout)
      return new GatewayError('timeout', `${name} did not answer within ${this.server.timeoutMs / 1000} s`);
    if (error instanceof SdkError && error.code === SdkErrorCode.ConnectionClosed)
      return new GatewayError('ended', `${name} stopped during the call; it starts again on the next one`);
    if (error instanceof UpstreamProtocolError) return new UpstreamRefusal(name, error.code, error.message);
    return new GatewayError('upstream_error', `${name} failed: ${error instanceof Error ? error.message.slice(0, 300) : 'unknown error'}`);
  }
}

/** The result without the upstream's own name stamped in it (2026-07-28): the answer comes from Gatehouse, which stamps its own. */
function withoutServerInfo(result: Record<string, unknown>): Record<string, unknown> {
  const meta = result._meta as Record<string, unknown> | undefined;
  if (meta === undefined || !(SERVER_INFO_META_KEY in meta)) return result;
  const { [SERVER_INFO_META_KEY]: _upstream, ...rest } = meta;
  return { ...result, _meta: rest };
}

/** A JSON-RPC error the upstream itself answered: relayed with its code, its message naming the server. */
export class UpstreamRefusal extends GatewayError {
  constructor(
    server: string,
    readonly code: number,
    message: string,
  ) {
    super('upstream_error', `${server}: ${message}`);
  }
}
