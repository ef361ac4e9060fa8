// One upstream server as the caller's requests reach it: who may use it, which of its tools they see, the launch
// rendered for them (their values, their secrets), and each request relayed over their session, bounded by the
// server's timeout, its progress passed back, its outcome audited and counted.
import {
  isInputRequiredResult,
  ProtocolError as UpstreamProtocolError,
  SdkError,
  SdkErrorCode,
  SERVER_INFO_META_KEY,
  SUPPORTED_PROTOCOL_VERSIONS,
  type Client,
} from '@modelcontextprotocol/client';
import type { ServerContext } from '@modelcontextprotocol/server';
import type { Caller } from '../caller.js';
import type { ForwardedCall } from './forwarding.js';
import { GatewayError, UpstreamRefusal } from './gateway-error.js';
import { FIRST_CALL, isAskable, NeedsInput, needsInputFrom, NOT_ASKABLE, retryParams, type CallInput, type HeldCalls, type Relayed } from './input-requests.js';
import { relayContextOf, relayProgress, type RelayContext } from './progress-relay.js';
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
  /** The calls to 2025-era upstreams that asked their caller for input, waiting for the answer. */
  held: HeldCalls;
  /**
   * Where a stdio server's sessions run when several instances serve the same users (REDIS_URL): each on one
   * instance, its home, which the others forward to. Unset: here.
   */
  homes?: Homes | undefined;
}

export interface Homes {
  /** Runs `here` when this instance is home to `owner`'s session at the call's server; else forwards the call there. */
  run(server: UpstreamServer, owner: string, call: ForwardedCall, relay: RelayContext, here: () => Promise<Relayed>): Promise<Relayed>;
}

export interface RelayedRequest {
  server: string;
  method: RelayedMethod;
  /** The tool, prompt or resource the request names. */
  target: string | undefined;
  caller: Caller;
  /** `input_required`: the call asked its caller for input, and goes on when they answer. */
  outcome: 'ok' | 'error' | 'refused' | 'input_required';
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

  /** Whose session serves the caller: their own, or everyone's (`*`) at a shared server. */
  ownerOf(caller: Caller): string {
    return this.server.isolation === 'shared' ? '*' : caller.user.id;
  }

  /**
   * Relays one request over the caller's session, here or at its home instance; progress comes back to the
   * caller's own request. Audited and counted here, where the caller's request arrived.
   */
  async request(caller: Caller, method: RelayedMethod, params: Record<string, unknown>, ctx: ServerContext, input: CallInput = FIRST_CALL): Promise<Relayed> {
    const started = performance.now();
    const target = typeof params.name === 'string' ? params.name : typeof params.uri === 'string' ? params.uri : undefined;
    const report = (outcome: RelayedRequest['outcome'], reason?: string) =>
      this.deps.onRequest({ server: this.server.name, method, target, caller, outcome, reason, seconds: (performance.now() - started) / 1000 });
    const relay = relayContextOf(ctx);
    try {
      const here = () => this.serve(caller, method, params, relay, input);
      const { homes } = this.deps;
      const result =
        homes && this.server.transport === 'stdio'
          ? await homes.run(this.server, this.ownerOf(caller), forwardedCall(this.server.name, method, params, caller, relay, input), relay, here)
          : await here();
      report(result instanceof NeedsInput ? 'input_required' : method === 'tools/call' && result.isError === true ? 'error' : 'ok');
      return result;
    } catch (error) {
      const refusal = this.#asGatewayError(error);
      report(refusal.reason === 'upstream_error' ? 'error' : 'refused', refusal.reason);
      throw refusal;
    }
  }

  /** Relays one request over the caller's session on this instance, started if need be. */
  async serve(caller: Caller, method: RelayedMethod, params: Record<string, unknown>, relay: RelayContext, input: CallInput = FIRST_CALL): Promise<Relayed> {
    try {
      const launch = await this.#launch(caller);
      const owner = this.ownerOf(caller);
      // A session offers its upstream what the caller who starts it can answer; a shared one, nothing.
      const offer = this.server.isolation === 'shared' ? NOT_ASKABLE : input.askable;
      return await this.deps.sessions.use(
        this.server,
        owner,
        launch,
        (client, holdWhile) => this.#relay(client, holdWhile, owner, method, params, relay, input),
        offer,
      );
    } catch (error) {
      throw this.#asGatewayError(error);
    }
  }

  /**
   * One request on the session's client. A 2025-era upstream asks its questions on the session while the call runs,
   * so its calls run as ones that may be held open for their caller's answer (input-requests.ts), and a retry brings
   * the answer to the call held for it.
   */
  #relay(
    client: Client,
    holdWhile: <R>(pending: Promise<R>) => Promise<R>,
    owner: string,
    method: RelayedMethod,
    params: Record<string, unknown>,
    relay: RelayContext,
    input: CallInput,
  ): Promise<Relayed> {
    if (speaksModern(client)) return this.#send(client, method, params, relay, input);
    const { held } = this.deps;
    const waitMs = this.server.timeoutMs;
    if (input.resume && 'held' in input.resume) return held.resume(this.server.name, owner, input.resume.held, input.responses ?? {}, waitMs, relay.signal);
    // Every call is known to be running, so that a question is put to its caller or refused saying why. A call may
    // outlive this request (it waits for the caller's answer): the session counts it until it ends.
    return held.run(this.server.name, owner, input.askable, waitMs, relay.signal, (signal) =>
      holdWhile(this.#send(client, method, params, { ...relay, signal }, input)),
    );
  }

  async #send(client: Client, method: RelayedMethod, params: Record<string, unknown>, relay: RelayContext, input: CallInput): Promise<Relayed> {
    const progress = relayProgress(relay);
    const result = await client.request(
      { method, params: { ...params, _meta: progress.meta, ...retryParams(input) } },
      {
        signal: relay.signal,
        timeout: this.server.timeoutMs,
        maxTotalTimeout: this.server.timeoutMs,
        resetTimeoutOnProgress: true,
        // The upstream's questions go to the caller, when they can be asked; never answered here.
        allowInputRequired: isAskable(input.askable),
        ...(progress.onprogress && { onprogress: progress.onprogress }),
      },
    );
    await progress.flushed();
    if (isInputRequiredResult(result)) return needsInputFrom(result, this.server.name);
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
    if (error instanceof SdkError && error.code === SdkErrorCode.UnsupportedResultType)
      return new GatewayError(
        'upstream_error',
        `${name} asks for input your client cannot give here (its questions need an MCP client on the 2026-07-28 revision)`,
      );
    if (error instanceof SdkError && error.code === SdkErrorCode.ConnectionClosed)
      return new GatewayError('ended', `${name} stopped during the call; it starts again on the next one`);
    if (error instanceof UpstreamProtocolError) return new UpstreamRefusal(error.code, `${name}: ${error.message}`);
    return new GatewayError('upstream_error', `${name} failed: ${error instanceof Error ? error.message.slice(0, 300) : 'unknown error'}`);
  }
}

/** The call as it is forwarded to another instance: the caller's `_meta` (their verified caller among it) stays here. */
function forwardedCall(
  server: string,
  method: RelayedMethod,
  params: Record<string, unknown>,
  caller: Caller,
  relay: RelayContext,
  input: CallInput,
): ForwardedCall {
  const { _meta: _here, ...rest } = params;
  return { server, method, params: rest, caller: { ...caller, scopes: [...caller.scopes] }, progressToken: relay.progressToken, input };
}

/** Whether the session speaks the 2026-07-28 revision (or a later one): the 2025 revisions are the SDK's legacy list. */
const speaksModern = (client: Client) => {
  const version = client.getNegotiatedProtocolVersion();
  return version !== undefined && !(SUPPORTED_PROTOCOL_VERSIONS as readonly string[]).includes(version);
};

/** The result without the upstream's own name stamped in it (2026-07-28): the answer comes from Gatehouse, which stamps its own. */
function withoutServerInfo(result: Record<string, unknown>): Record<string, unknown> {
  const meta = result._meta as Record<string, unknown> | undefined;
  if (meta === undefined || !(SERVER_INFO_META_KEY in meta)) return result;
  const { [SERVER_INFO_META_KEY]: _upstream, ...rest } = meta;
  return { ...result, _meta: rest };
}
