// The security audit trail: who did what, from where, when. Details never hold a secret.
import { randomUUID } from 'node:crypto';
import type { Db } from './database.js';
import { statement } from './statements.js';

export type AuditEventType =
  | 'client.registered'
  | 'client.updated'
  | 'client.deleted'
  | 'login.succeeded'
  | 'login.failed'
  | 'login.locked'
  | 'login.refused'
  | 'session.ended'
  | 'consent.approved'
  | 'consent.denied'
  | 'token.issued'
  | 'refresh.reuse_detected'
  | 'code.replay_detected'
  | 'grant.revoked'
  | 'key.rotated'
  | 'user.created'
  | 'user.password_changed'
  | 'user.disabled'
  | 'user.enabled'
  | 'upstream_secret.saved'
  | 'upstream_secret.removed'
  | 'upstream.call';

export interface AuditEvent {
  type: AuditEventType;
  userId?: string | undefined;
  clientId?: string | undefined;
  ip?: string | undefined;
  detail?: Record<string, unknown>;
}

export interface StoredAuditEvent extends AuditEvent {
  id: string;
  at: number;
}

const insertEvent = statement(
  (db, values: { id: string; at: number; type: AuditEventType; userId: string | null; clientId: string | null; ip: string | null; detail: string | null }) =>
    db.insertInto('audit_events').values({
      id: values.id,
      at: values.at,
      type: values.type,
      user_id: values.userId,
      client_id: values.clientId,
      ip: values.ip,
      detail: values.detail,
    }),
);
const deleteBefore = statement((db, values: { at: number }) => db.deleteFrom('audit_events').where('at', '<', values.at));

export class AuditRepository {
  constructor(private readonly db: Db) {}

  async record(event: AuditEvent, at = Date.now()): Promise<void> {
    await insertEvent.run(this.db, {
      id: randomUUID(),
      at,
      type: event.type,
      userId: event.userId ?? null,
      clientId: event.clientId ?? null,
      ip: event.ip ?? null,
      detail: event.detail ? JSON.stringify(event.detail) : null,
    });
  }

  /** Newest first. */
  async list(filter: { limit: number; type?: string | undefined; userId?: string | undefined; clientId?: string | undefined }): Promise<StoredAuditEvent[]> {
    // Built per call: the filters are optional.
    let query = this.db.selectFrom('audit_events').selectAll().orderBy('at', 'desc').orderBy('id').limit(filter.limit);
    if (filter.type) query = query.where('type', '=', filter.type);
    if (filter.userId) query = query.where('user_id', '=', filter.userId);
    if (filter.clientId) query = query.where('client_id', '=', filter.clientId);
    return (await query.execute()).map((row) => ({
      id: row.id,
      at: Number(row.at),
      type: row.type as AuditEventType,
      userId: row.user_id ?? undefined,
      clientId: row.client_id ?? undefined,
      ip: row.ip ?? undefined,
      detail: row.detail ? (JSON.parse(row.detail) as Record<string, unknown>) : undefined,
    }));
  }

  async purgeBefore(at: number): Promise<number> {
    return deleteBefore.run(this.db, { at });
  }
}
