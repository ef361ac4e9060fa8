// Records security events with the address they came from, in the audit table and the log. Recording never fails
// the request it describes.
import type { Context } from 'hono';
import { clientIp } from './http/client-ip.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';
import type { AuditEvent, Storage } from './storage/index.js';

export type Audit = (c: Context, event: Omit<AuditEvent, 'ip'>) => Promise<void>;

export function createAudit(storage: Pick<Storage, 'audit'>, logger: Logger, trustProxy: number, metrics?: Metrics): Audit {
  return async (c, event) => {
    const recorded = { ...event, ip: clientIp(c, trustProxy) };
    logger.info({ audit: recorded }, event.type);
    metrics?.audited(event);
    try {
      await storage.audit.record(recorded);
    } catch (error) {
      logger.warn({ err: error, audit: recorded }, 'audit event not recorded');
    }
  };
}
