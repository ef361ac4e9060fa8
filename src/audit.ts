// Records security events with the address they came from, in the audit table and the log. Recording never fails
// the request it describes.
import type { Context } from 'hono';
import { clientIp } from './http/client-ip.js';
import { unredactedLogger, type Logger } from './log.js';
import type { Metrics } from './metrics.js';
import type { AuditEvent, Storage } from './storage/index.js';

export type Audit = (c: Context, event: Omit<AuditEvent, 'ip'>) => Promise<void>;

export function createAudit(storage: Pick<Storage, 'audit'>, logger: Logger, trustProxy: number, metrics?: Metrics): Audit {
  // Events hold no secret (the audit table keeps them as they are), so their log lines skip redaction like the
  // request lines do; a refused recording still goes through the redacting logger, with its error.
  const eventLogger = unredactedLogger(logger);
  return async (c, event) => {
    const recorded = { ...event, ip: clientIp(c, trustProxy) };
    eventLogger.info({ audit: recorded }, event.type);
    metrics?.audited(event);
    try {
      await storage.audit.record(recorded);
    } catch (error) {
      logger.warn({ err: error, audit: recorded }, 'audit event not recorded');
    }
  };
}
