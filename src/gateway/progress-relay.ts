// Progress from an upstream passed back to the downstream request it belongs to, in order and before its answer:
// the caller's progress token travels up, and each notification that comes down is sent on under it.
import type { ProgressCallback } from '@modelcontextprotocol/client';
import type { ServerContext } from '@modelcontextprotocol/server';

export interface ProgressNotification {
  method: 'notifications/progress';
  params: { progressToken: string | number; progress: number; total?: number | undefined; message?: string | undefined };
}

/**
 * What relaying a request needs of the request it serves: its cancellation, the caller's progress token and a way
 * to notify the caller. A request served here gives its ServerContext's; one forwarded from another instance, the
 * forwarded connection's (src/gateway/forwarding.ts).
 */
export interface RelayContext {
  signal: AbortSignal;
  progressToken: string | number | undefined;
  notify(notification: ProgressNotification): Promise<void>;
}

export function relayContextOf(ctx: ServerContext): RelayContext {
  return { signal: ctx.mcpReq.signal, progressToken: ctx.mcpReq._meta?.progressToken, notify: (notification) => ctx.mcpReq.notify(notification) };
}

export interface ProgressRelay {
  /** The `_meta` to send upstream: the caller's progress token, when they gave one. */
  meta: { progressToken?: string | number };
  /** The upstream request's progress callback; undefined when the caller asked for no progress. */
  onprogress: ProgressCallback | undefined;
  /** Resolves once every notification received so far is sent on: await it before answering. */
  flushed(): Promise<void>;
}

export function relayProgress(relay: RelayContext): ProgressRelay {
  const { progressToken } = relay;
  let sent = Promise.resolve();
  if (progressToken === undefined) return { meta: {}, onprogress: undefined, flushed: () => sent };
  return {
    meta: { progressToken },
    onprogress: (progress) => {
      const notification: ProgressNotification = { method: 'notifications/progress', params: { ...progress, progressToken } };
      sent = sent.then(() => relay.notify(notification)).catch(() => undefined);
    },
    flushed: () => sent,
  };
}
