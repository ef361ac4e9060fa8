// Input an upstream asks of the caller in the middle of a call: a sampling request, or an elicitation (a question
// for the person). On the 2026-07-28 revision a caller is asked through an `input_required` result and answers by
// retrying the call (multi round-trip requests); a 2025-era downstream request has no way to be asked, so its
// caller never is.
//
// A 2026-07-28 upstream says it needs input in its result, which goes to the caller with the upstream's own
// requestState sealed in Gatehouse's. A 2025-era upstream asks by sending a request of its own on its session while
// a call runs: that call is then held open here (HeldCalls), its caller is asked, and their retry brings the answer
// to the waiting upstream and goes on waiting for the call. An upstream's request that no caller can answer (a
// 2025-era caller, a client without the capability, a session shared by everyone, two calls that could be meant)
// is refused at once, and the upstream carries on.
//
// Roots are never passed on: they name folders on the caller's own machine, and a server running next to Gatehouse
// takes them as folders it may reach here (server-filesystem does).
import { randomUUID } from 'node:crypto';
import { ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/client';
import { GatewayError } from './gateway-error.js';

/** The input a caller's client declared it can give, on its 2026-07-28 request: the capabilities' own shapes. */
export interface Askable {
  sampling?: Capability | undefined;
  elicitation?: Capability | undefined;
}

/** A capability as a client declares it: an object of JSON values. */
type Capability = { [key: string]: JsonValue };
type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A 2025-era caller, or a client that declared neither: never asked. */
export const NOT_ASKABLE: Askable = {};

/** What a request's declared client capabilities let it be asked. */
export function askableFrom(capabilities: unknown): Askable {
  if (!isObject(capabilities)) return NOT_ASKABLE;
  return {
    ...(isObject(capabilities.sampling) && { sampling: capabilities.sampling as Capability }),
    ...(isObject(capabilities.elicitation) && { elicitation: capabilities.elicitation as Capability }),
  };
}

export const isAskable = (askable: Askable) => askable.sampling !== undefined || askable.elicitation !== undefined;

/** One request embedded in an `input_required` result: `elicitation/create`, `sampling/createMessage` (or `roots/list`). */
export interface InputRequest {
  method: string;
  params?: Record<string, unknown> | undefined;
}

/** Whether `askable` covers `request` (an elicitation in URL mode needs its own declaration; `{}` means forms). */
export function canAsk(askable: Askable, request: InputRequest): boolean {
  if (request.method === 'sampling/createMessage') return askable.sampling !== undefined;
  if (request.method !== 'elicitation/create' || askable.elicitation === undefined) return false;
  const declared = askable.elicitation;
  if (request.params?.mode === 'url') return isObject(declared.url);
  return Object.keys(declared).length === 0 || isObject(declared.form);
}

/** Where a call that asked for input resumes: at the upstream, with its own state; or here, where it is held. */
export type Resume = { upstreamState?: string | undefined } | { held: string };

/** A call's outcome when it needs its caller's input first: the requests, by key, and where it resumes. */
export class NeedsInput {
  constructor(
    readonly inputRequests: Record<string, InputRequest>,
    readonly resume: Resume,
  ) {}
}

/** What a relayed request comes back with: its result, or what it needs from its caller first. */
export type Relayed = Record<string, unknown> | NeedsInput;

/** The result of a request that never asks for input (a list). */
export function completed(relayed: Relayed, server: string): Record<string, unknown> {
  if (relayed instanceof NeedsInput) throw new GatewayError('upstream_error', `${server} asked for input where none can be given`);
  return relayed;
}

/** What a caller brings to a call: what they can be asked; on a retry, their answers and where the call resumes. */
export interface CallInput {
  askable: Askable;
  responses?: Record<string, unknown> | undefined;
  resume?: Resume | undefined;
}

export const FIRST_CALL: CallInput = { askable: NOT_ASKABLE };

/**
 * What a request retried after its caller answered carries to a 2026-07-28 server: the caller's answers, and the
 * server's own state, echoed (none for a call held open here, or for a first call).
 */
export function retryParams(input: CallInput): { inputResponses?: Record<string, unknown>; requestState?: string } {
  const resume = input.resume && !('held' in input.resume) ? input.resume : undefined;
  if (!resume) return {};
  return {
    ...(input.responses && { inputResponses: input.responses }),
    ...(resume.upstreamState !== undefined && { requestState: resume.upstreamState }),
  };
}

/** A 2026-07-28 server's `input_required`, as its caller is asked: never for roots (see above). */
export function needsInputFrom(result: { inputRequests?: Record<string, unknown> | undefined; requestState?: string | undefined }, server: string): NeedsInput {
  const inputRequests = (result.inputRequests ?? {}) as Record<string, InputRequest>;
  if (Object.values(inputRequests).some((request) => request.method === 'roots/list'))
    throw new GatewayError('upstream_error', `${server} asked for your client's roots, which Gatehouse does not pass on to servers`);
  return new NeedsInput(inputRequests, { upstreamState: result.requestState });
}

/** The refusal of an upstream's request no caller can answer: what a client without the capability answers. */
const cannotAnswer = (method: string, why: string) => new ProtocolError(ProtocolErrorCode.MethodNotFound, `Gatehouse cannot pass ${method} on: ${why}`);

type Outcome = Relayed;

interface Asked {
  request: InputRequest;
  answer(result: unknown): void;
  refuse(error: Error): void;
}

type Event = { asked: Asked } | { done: Outcome } | { failed: unknown };

/** One call to a 2025-era upstream, as its caller waits on it: what it asks, then how it ends. */
class OpenCall {
  readonly id = randomUUID();
  readonly #events: Event[] = [];
  #wake: (() => void) | undefined;
  /** The questions put to the caller in the last round, by the keys they were given. */
  asked = new Map<string, Asked>();

  constructor(
    readonly askable: Askable,
    /** Ends the upstream request (the caller went away, or never came back). */
    readonly abort: (reason: Error) => void,
  ) {}

  push(event: Event): void {
    this.#events.push(event);
    this.#wake?.();
  }

  /** The events so far, once there is at least one. */
  async take(): Promise<Event[]> {
    while (this.#events.length === 0) await new Promise<void>((resolve) => (this.#wake = resolve));
    this.#wake = undefined;
    return this.#events.splice(0);
  }
}

/** The calls to 2025-era upstreams that may ask their caller, by session, and those waiting for the caller's answer. */
export class HeldCalls {
  /** Per session (`server\0owner`): its calls running now. */
  readonly #running = new Map<string, Set<OpenCall>>();
  /** The calls whose caller was asked and has not answered yet, by id, each until it expires. */
  readonly #waiting = new Map<string, { call: OpenCall; session: string; expiry: NodeJS.Timeout }>();

  /**
   * Runs a call (`start` sends it upstream) on the session of `owner` at `server`; resolves with its result, or with
   * what it needs from the caller first (the call then waits here, up to `waitMs`, for the caller's retry).
   */
  async run(
    server: string,
    owner: string,
    askable: Askable,
    waitMs: number,
    signal: AbortSignal,
    start: (signal: AbortSignal) => Promise<Outcome>,
  ): Promise<Relayed> {
    const session = `${server}\0${owner}`;
    const ended = new AbortController();
    const call = new OpenCall(askable, (reason) => ended.abort(reason));
    const running = this.#running.get(session) ?? new Set();
    this.#running.set(session, running.add(call));
    start(ended.signal)
      .then(
        (result) => call.push({ done: result }),
        (error: unknown) => call.push({ failed: error }),
      )
      .finally(() => {
        running.delete(call);
        if (running.size === 0 && this.#running.get(session) === running) this.#running.delete(session);
      });
    return this.#next(call, session, waitMs, signal);
  }

  /** Brings a caller's answers to the call held as `id` on that session, and waits for its next outcome. */
  async resume(server: string, owner: string, id: string, responses: Record<string, unknown>, waitMs: number, signal: AbortSignal): Promise<Relayed> {
    const session = `${server}\0${owner}`;
    const waiting = this.#waiting.get(id);
    if (!waiting || waiting.session !== session)
      throw new GatewayError(
        'ended',
        `${server}: the call that asked for your input is no longer open (it waited too long, or the server restarted); call it again`,
      );
    this.#waiting.delete(id);
    clearTimeout(waiting.expiry);
    const { call } = waiting;
    for (const [key, asked] of call.asked) {
      const response = responses[key];
      if (response === undefined) asked.refuse(new ProtocolError(ProtocolErrorCode.InvalidRequest, 'the caller gave no answer'));
      else asked.answer(response);
    }
    call.asked.clear();
    return this.#next(call, session, waitMs, signal);
  }

  /**
   * An upstream's request to its client on the session of `owner` at `server`, while calls run there: put to the
   * caller of the one call it can be meant for, when they can answer it; refused at once otherwise.
   */
  ask(server: string, owner: string, shared: boolean, request: InputRequest): Promise<unknown> {
    if (shared) throw cannotAnswer(request.method, 'this server is shared by every user, and a question cannot be put to one of them');
    const running = [...(this.#running.get(`${server}\0${owner}`) ?? [])];
    if (running.length !== 1)
      throw cannotAnswer(request.method, running.length === 0 ? 'no call is running' : 'several calls are running, and any of them may have asked');
    const [call] = running as [OpenCall];
    if (!canAsk(call.askable, request)) throw cannotAnswer(request.method, 'the caller’s client cannot answer it');
    return new Promise((answer, refuse) => call.push({ asked: { request, answer, refuse } }));
  }

  /** Refuses everything still waiting (Gatehouse is stopping): each upstream hears at once. */
  close(): void {
    for (const { call, expiry } of this.#waiting.values()) {
      clearTimeout(expiry);
      this.#expire(call, 'Gatehouse is stopping');
    }
    this.#waiting.clear();
  }

  /** The call's next outcome: its result, its failure, or the questions it asks (then it waits for the caller). */
  async #next(call: OpenCall, session: string, waitMs: number, signal: AbortSignal): Promise<Relayed> {
    // A caller who leaves while their call runs ends it: no one would read its result.
    const leave = () => call.abort(new GatewayError('ended', 'the call was cancelled'));
    signal.addEventListener('abort', leave, { once: true });
    try {
      const events = await call.take();
      const end = events.find((event) => !('asked' in event));
      for (const event of events) if ('asked' in event) call.asked.set(`input-${call.asked.size + 1}`, event.asked);
      if (end) {
        this.#expire(call, 'the call has ended');
        if ('done' in end) return end.done;
        if ('failed' in end) throw end.failed;
      }
      const expiry = setTimeout(() => {
        this.#waiting.delete(call.id);
        this.#expire(call, `the caller did not answer within ${waitMs / 1000} s`);
      }, waitMs);
      expiry.unref();
      this.#waiting.set(call.id, { call, session, expiry });
      return new NeedsInput(Object.fromEntries([...call.asked].map(([key, asked]) => [key, asked.request])), { held: call.id });
    } finally {
      signal.removeEventListener('abort', leave);
    }
  }

  #expire(call: OpenCall, why: string): void {
    for (const asked of call.asked.values()) asked.refuse(new ProtocolError(ProtocolErrorCode.InternalError, why));
    call.asked.clear();
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
