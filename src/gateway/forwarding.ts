// A call forwarded between instances, to the one that runs the caller's upstream process (its lease holder): the
// forwarding side (Forwarder) and the serving side (forwardRoute). The call travels as JSON with the verified
// caller, never the client's token, under a proof only instances can make (forward-proof.ts); the answer streams
// back as lines of JSON: the call's progress notifications in order, then its result, what it needs from its caller
// (input-requests.ts), or its error.
import { Agent, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { z } from 'zod';
import { verifiedCaller, type Caller } from '../caller.js';
import type { Holder } from '../cluster/leases.js';
import { jsonAnswer, writeAnswer } from '../http/answer.js';
import { closesConnection } from '../http/body-limits.js';
import { readIncomingBody } from '../http/body.js';
import { pathOf, type NodeRoute, type NodeRouteDeps } from '../http/node-route.js';
import { requestIdFrom } from '../http/request-id.js';
import type { Logger } from '../log.js';
import { PROOF_HEADER, type ForwardProof } from './forward-proof.js';
import { GatewayError, UpstreamRefusal, type GatewayRefusal } from './gateway-error.js';
import { FIRST_CALL, NeedsInput, type CallInput, type Relayed, type Resume } from './input-requests.js';
import type { ProgressNotification, RelayContext } from './progress-relay.js';
import type { RelayedMethod, Upstream } from './upstream.js';

/** The internal route; reachable by anyone, served to no one without a proof. */
export const FORWARD_PATH = '/_gatehouse/forward';

const RELAYED_METHODS = [
  'tools/list',
  'tools/call',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'prompts/list',
  'prompts/get',
  'completion/complete',
] as const satisfies readonly RelayedMethod[];

const CapabilitySchema = z.record(z.string(), z.json()).optional();

const ForwardedCallSchema = z.object({
  server: z.string().min(1).max(200),
  method: z.enum(RELAYED_METHODS),
  params: z.record(z.string(), z.unknown()),
  caller: z.object({
    user: z.object({ id: z.string().min(1), username: z.string() }),
    clientId: z.string(),
    scopes: z.array(z.string()),
    grantId: z.string().optional(),
  }),
  progressToken: z.union([z.string(), z.number()]).optional(),
  // Optional: an instance of an earlier version, during a rolling upgrade, forwards calls without it.
  input: z
    .object({
      askable: z.object({ sampling: CapabilitySchema, elicitation: CapabilitySchema }),
      responses: z.record(z.string(), z.unknown()).optional(),
      resume: z.union([z.object({ held: z.string() }), z.object({ upstreamState: z.string().optional() })]).optional(),
    })
    .optional(),
});

export type ForwardedCall = z.infer<typeof ForwardedCallSchema>;

type AnswerLine =
  | { notification: ProgressNotification }
  | { result: Record<string, unknown> }
  | { needsInput: { inputRequests: NeedsInput['inputRequests']; resume: Resume } }
  | { error: { reason: GatewayRefusal; message: string; code?: number | undefined } };

/**
 * The call did not reach the upstream: the instance is unreachable, or refused it before starting it (it no longer
 * holds the session, or is stopping). Sending it elsewhere cannot run it twice.
 */
export class NotDelivered extends Error {
  override readonly name = 'NotDelivered';
}

/** How long connecting to an instance may take before it counts as unreachable. */
const CONNECT_TIMEOUT_MS = 2_000;
/** The most of an answer read: a relayed result is bounded like the MCP bodies the relay itself answers. */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;
/** Errors that mean the request never reached the other instance. */
const UNREACHED = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);

export class Forwarder {
  // One pool of kept-alive connections per scheme: a forwarded call costs one round trip, not a handshake.
  readonly #agents = { http: new Agent({ keepAlive: true, maxSockets: 256 }), https: new HttpsAgent({ keepAlive: true, maxSockets: 256 }) };

  constructor(private readonly proof: ForwardProof) {}

  /** Sends `call` to `holder`; progress reaches `relay` as it comes, the answer after it. */
  call(holder: Holder, call: ForwardedCall, relay: RelayContext, timeoutMs: number): Promise<Relayed> {
    // Cancelled while it waited for its home (a takeover's retries): nothing is sent.
    if (relay.signal.aborted) return Promise.reject(new GatewayError('ended', 'the call was cancelled'));
    const body = JSON.stringify(call);
    const url = new URL(FORWARD_PATH, holder.url);
    const secure = url.protocol === 'https:';
    const request = (secure ? httpsRequest : httpRequest)(url, {
      method: 'POST',
      agent: secure ? this.#agents.https : this.#agents.http,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), [PROOF_HEADER]: this.proof.sign(holder.instanceId, body) },
    });
    return new Promise<Relayed>((resolve, reject) => {
      let settled = false;
      let responded = false;
      const settle = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(connectTimer);
        clearTimeout(callTimer);
        relay.signal.removeEventListener('abort', onAbort);
        outcome();
      };
      const fail = (error: Error) => settle(() => reject(error));
      // Settled first, so the reason given is the one the caller reads, not the closed connection that follows.
      const abandon = (error: Error) => {
        fail(error);
        request.destroy();
      };
      const connectTimer = setTimeout(
        () => abandon(new NotDelivered(`${url.host} did not accept a connection within ${CONNECT_TIMEOUT_MS / 1000} s`)),
        CONNECT_TIMEOUT_MS,
      );
      request.once('socket', (socket) => {
        if (!socket.connecting) clearTimeout(connectTimer);
        else socket.once('connect', () => clearTimeout(connectTimer));
      });
      const callTimer = setTimeout(() => abandon(new GatewayError('timeout', `${call.server} did not answer within ${timeoutMs / 1000} s`)), timeoutMs);
      const onAbort = () => abandon(new GatewayError('ended', 'the call was cancelled'));
      relay.signal.addEventListener('abort', onAbort, { once: true });

      request.on('error', (error: NodeJS.ErrnoException) => {
        // A kept-alive connection the other side closed just as this request went out: it was never read there.
        const unreached = UNREACHED.has(error.code ?? '') || (request.reusedSocket && !responded && (error.code === 'ECONNRESET' || error.code === 'EPIPE'));
        fail(unreached ? new NotDelivered(`${url.host} is unreachable (${error.code ?? error.message})`) : lostDuring(call.server));
      });
      request.on('response', (response) => {
        responded = true;
        if (response.statusCode !== 200) return void refusal(response).then(fail, fail);
        readAnswer(response, relay, call.server).then(
          (result) => settle(() => resolve(result)),
          (error: Error) => fail(error),
        );
      });
      request.end(body);
    });
  }

  close(): void {
    this.#agents.http.destroy();
    this.#agents.https.destroy();
  }
}

const lostDuring = (server: string) => new GatewayError('ended', `the instance running ${server} stopped during the call; it starts again on the next one`);

/** What a non-200 answer means: 409 and 503 are refusals before anything ran; anything else is a failure. */
async function refusal(response: IncomingMessage): Promise<Error> {
  const text = await readSmall(response);
  if (response.statusCode === 409 || response.statusCode === 503) return new NotDelivered(`the instance refused it (${response.statusCode})`);
  const description = safeDescription(text);
  return new GatewayError(
    'upstream_error',
    `another Gatehouse instance refused the forwarded call (${response.statusCode}${description ? `: ${description}` : ''})`,
  );
}

function readSmall(response: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      if (text.length < 4096) text += chunk;
    });
    response.on('end', () => resolve(text));
    response.on('error', () => resolve(text));
  });
}

function safeDescription(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { error?: unknown };
    return typeof body.error === 'string' ? body.error.slice(0, 100) : undefined;
  } catch {
    return undefined;
  }
}

/** Reads the answer's lines: notifications passed on in order, then the result (or the error) after them. */
function readAnswer(response: IncomingMessage, relay: RelayContext, server: string): Promise<Relayed> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    let size = 0;
    let done = false;
    let notified = Promise.resolve();
    const finish = (outcome: () => void) => {
      if (done) return;
      done = true;
      // The answer goes out after every notification before it, as on the instance that ran the call.
      void notified.then(outcome);
    };
    const line = (text: string) => {
      if (text === '') return;
      let answer: AnswerLine;
      try {
        answer = JSON.parse(text) as AnswerLine;
      } catch {
        return finish(() => reject(lostDuring(server)));
      }
      if ('notification' in answer) {
        const notification = answer.notification;
        notified = notified.then(() => relay.notify(notification)).catch(() => undefined);
      } else if ('result' in answer) finish(() => resolve(answer.result));
      else if ('needsInput' in answer) finish(() => resolve(new NeedsInput(answer.needsInput.inputRequests, answer.needsInput.resume)));
      else if ('error' in answer) finish(() => reject(errorFrom(answer.error)));
    };
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      size += chunk.length;
      if (size > MAX_ANSWER_BYTES) {
        response.destroy();
        return finish(() => reject(new GatewayError('upstream_error', `${server} answered more than ${MAX_ANSWER_BYTES / 1024 / 1024} MiB`)));
      }
      buffer += chunk;
      for (let end = buffer.indexOf('\n'); end >= 0; end = buffer.indexOf('\n')) {
        line(buffer.slice(0, end));
        buffer = buffer.slice(end + 1);
      }
    });
    response.on('end', () => finish(() => reject(lostDuring(server))));
    response.on('error', () => finish(() => reject(lostDuring(server))));
    response.on('close', () => finish(() => reject(lostDuring(server))));
  });
}

function errorFrom(error: { reason: GatewayRefusal; message: string; code?: number | undefined }): GatewayError {
  return error.code !== undefined ? new UpstreamRefusal(error.code, error.message) : new GatewayError(error.reason, error.message);
}

export interface ForwardRouteDeps extends NodeRouteDeps {
  /** This instance. */
  self: Holder;
  proof: ForwardProof;
  upstreams: ReadonlyMap<string, Upstream>;
  /** Whether this instance is home to the session of `owner` at `server` now: it holds the lease and is not stopping. */
  isHome(server: string, owner: string): boolean;
  maxBodyBytes: number;
  logger: Logger;
  /** Told of a request refused for its proof, for the log and the metrics. */
  onRefused(reason: string): void;
}

/**
 * The serving side, on Node's own request and response (only instances call it, and a forwarded call should cost
 * little more than the call itself): checks the proof, then runs the call over this instance's session and
 * writes the answer's lines as they come.
 */
export function forwardRoute(deps: ForwardRouteDeps): NodeRoute {
  const everyAnswer = Object.fromEntries(deps.securityHeaders);
  return (request, response) => {
    if (request.method !== 'POST' || pathOf(request) !== FORWARD_PATH) return false;
    const started = performance.now();
    const requestId = requestIdFrom(request.headers['x-request-id'] as string | undefined);
    const headers = { ...everyAnswer, 'X-Request-Id': requestId };
    serveForwarded(deps, request, response, headers).then(
      (status) => deps.record({ requestId, method: 'POST', path: FORWARD_PATH, route: FORWARD_PATH, status, seconds: (performance.now() - started) / 1000 }),
      // The forwarding instance went away before its call was read: nothing to answer.
      () => response.destroy(),
    );
    return true;
  };
}

/** Serves one forwarded call; resolves with the status answered. */
async function serveForwarded(deps: ForwardRouteDeps, request: IncomingMessage, response: ServerResponse, headers: Record<string, string>): Promise<number> {
  const refuse = (status: number, error: string) => {
    void writeAnswer(response, jsonAnswer(status, { error }), closesConnection(request) ? { ...headers, Connection: 'close' } : headers);
    return status;
  };
  const read = await readIncomingBody(request, deps.maxBodyBytes);
  if (read.tooLarge) return refuse(413, 'too_large');
  const check = deps.proof.verify(deps.self.instanceId, read.text, request.headers[PROOF_HEADER] as string | undefined);
  if (!check.ok) {
    deps.onRefused(check.reason);
    deps.logger.warn({ reason: check.reason, ip: request.headers['x-forwarded-for'] }, 'forwarded call refused: no valid proof');
    return refuse(403, 'forbidden');
  }
  let call: ForwardedCall;
  try {
    call = ForwardedCallSchema.parse(JSON.parse(read.text));
  } catch {
    return refuse(400, 'malformed');
  }
  const upstream = deps.upstreams.get(call.server);
  if (!upstream) return refuse(404, 'unknown_server');
  const caller: Caller = verifiedCaller(call.caller);
  if (!deps.isHome(call.server, upstream.ownerOf(caller))) return refuse(409, 'not_home');

  const cancelled = new AbortController();
  response.once('close', () => {
    if (!response.writableFinished) cancelled.abort();
  });
  const line = (answer: AnswerLine) => `${JSON.stringify(answer)}\n`;
  response.writeHead(200, { ...headers, 'Content-Type': 'application/x-ndjson', 'Cache-Control': 'no-store' });
  const relay: RelayContext = {
    signal: cancelled.signal,
    progressToken: call.progressToken,
    notify: async (notification) => void (response.destroyed || response.write(line({ notification }))),
  };
  let last: AnswerLine;
  try {
    const relayed = await upstream.serve(caller, call.method, call.params, relay, (call.input as CallInput | undefined) ?? FIRST_CALL);
    last = relayed instanceof NeedsInput ? { needsInput: { inputRequests: relayed.inputRequests, resume: relayed.resume } } : { result: relayed };
  } catch (error) {
    last = { error: describe(error) };
  }
  // A call without progress goes out in one write.
  if (!response.destroyed) response.end(line(last));
  return 200;
}

function describe(error: unknown): { reason: GatewayRefusal; message: string; code?: number } {
  if (error instanceof UpstreamRefusal) return { reason: error.reason, message: error.message, code: error.code };
  if (error instanceof GatewayError) return { reason: error.reason, message: error.message };
  return { reason: 'upstream_error', message: 'the call failed on the instance running it' };
}
