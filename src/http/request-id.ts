import { randomBytes } from 'node:crypto';

// Request ids need to be unique, not secret: a random prefix per process and a counter make them unique across
// instances and restarts, for a fraction of what a random UUID per request costs on the refusal path.
const processPrefix = randomBytes(6).toString('base64url');
let counter = 0;

/** The caller's X-Request-Id when it is a plain token (so it can go into logs as is), else a fresh one. */
export function requestIdFrom(incoming: string | undefined | null): string {
  return incoming && /^[\w.:-]{1,128}$/.test(incoming) ? incoming : `${processPrefix}-${(++counter).toString(36)}`;
}
