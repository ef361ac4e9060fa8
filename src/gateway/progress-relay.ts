// Progress from an upstream passed back to the downstream request it belongs to, in order and before its answer:
// the caller's progress token travels up, and each notification that comes down is sent on under it.
import type { ProgressCallback } from '@modelcontextprotocol/client';
import type { ServerContext } from '@modelcontextprotocol/server';

export interface ProgressRelay {
  /** The `_meta` to send upstream: the caller's progress token, when they gave one. */
  meta: { progressToken?: string | number };
  /** The upstream request's progress callback; undefined when the caller asked for no progress. */
  onprogress: ProgressCallback | undefined;
  /** Resolves once every notification received so far is sent on: await it before answering. */
  flushed(): Promise<void>;
}

export function relayProgress(ctx: ServerContext): ProgressRelay {
  const progressToken = ctx.mcpReq._meta?.progressToken;
  let sent = Promise.resolve();
  if (progressToken === undefined) return { meta: {}, onprogress: undefined, flushed: () => sent };
  return {
    meta: { progressToken },
    onprogress: (progress) => {
      const notification = { method: 'notifications/progress', params: { ...progress, progressToken } };
      sent = sent.then(() => ctx.mcpReq.notify(notification)).catch(() => undefined);
    },
    flushed: () => sent,
  };
}
