// Periodic clean-up, off the request path: abandoned dynamic registrations (Claude registers a new client on every
// fresh connection), grants and refresh tokens out of use for 30 days, codes and sessions long expired, and audit
// events past their retention.
import type { ClusterLock } from './cluster/lock.js';
import type { Logger } from './log.js';
import type { Storage } from './storage/index.js';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

/** A registration never used within a day, or idle for thirty days since its last grant could be used, goes. */
export const CLIENT_RETENTION = { unusedMs: DAY, inactiveMs: 30 * DAY };

/** The audit trail is kept for 90 days. */
export const AUDIT_RETENTION_MS = 90 * DAY;

export async function sweep(storage: Storage, now = Date.now()) {
  const clients = await storage.clients.sweepAbandoned(now, CLIENT_RETENTION);
  // The same horizon as for clients: a grant revoked or expired within 30 days still keeps its client registered.
  const { grants, refreshTokens } = await storage.grants.purgeInactive(now - CLIENT_RETENTION.inactiveMs);
  const codes = await storage.codes.purgeExpired(now - DAY);
  const sessions = await storage.sessions.purgeExpired(now);
  const auditEvents = await storage.audit.purgeBefore(now - AUDIT_RETENTION_MS);
  return { clients, grants, refreshTokens, codes, sessions, auditEvents };
}

/** Sweeps every hour, on one instance at a time (the lock), off the request path. */
export function startHousekeeping(storage: Storage, logger: Logger, lock: ClusterLock, intervalMs = HOUR) {
  const run = () =>
    lock
      .run('housekeeping', 10 * 60_000, async () => {
        logger.info({ removed: await sweep(storage) }, 'housekeeping');
      })
      .catch((error: unknown) => logger.warn({ err: error }, 'housekeeping failed'));
  const timer = setInterval(run, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
