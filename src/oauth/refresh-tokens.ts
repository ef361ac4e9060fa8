// Where a refresh token stands, in one place for every endpoint that asks (RFC 9700 §4.14.2: rotation, with a grace
// window for a client that retries a refresh).
import type { RefreshToken } from '../storage/index.js';

/**
 * `usable` (current, or rotated within the grace window: a retried refresh), `expired`, or `reused` (rotated
 * longer ago than the grace window: two parties hold it, and the whole grant must end).
 */
export function refreshTokenStatus(token: Pick<RefreshToken, 'expiresAt' | 'rotatedAt'>, now: number, graceSeconds: number): 'usable' | 'expired' | 'reused' {
  if (now > token.expiresAt) return 'expired';
  if (token.rotatedAt !== null && now > token.rotatedAt + graceSeconds * 1000) return 'reused';
  return 'usable';
}
