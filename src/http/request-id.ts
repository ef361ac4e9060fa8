import { randomUUID } from 'node:crypto';

/** The caller's X-Request-Id when it is a plain token (so it can go into logs as is), else a fresh one. */
export function requestIdFrom(incoming: string | undefined | null): string {
  return incoming && /^[\w.:-]{1,128}$/.test(incoming) ? incoming : randomUUID();
}
