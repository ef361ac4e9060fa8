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

type EventValues = Parameters<typeof insertEvent.run>[1];

interface Waiting {
  values: EventValues;
  settle: (error?: unknown) => void;
}

export class AuditRepository {
  /** Events recorded since the last write began, each with the caller waiting for it. */
  private waiting: Waiting[] = [];
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly db: Db) {}

  /**
   * Resolves once the event is stored. Events recorded while the event loop is busy are written together, in one
   * transaction: a commit costs several statements' time on SQLite, and a busy server records an event with nearly
   * every token it issues (group commit; no event waits for more than the current turn of the event loop).
   */
  record(event: AuditEvent, at = Date.now()): Promise<void> {
    const values = {
      id: randomUUID(),
      at,
      type: event.type,
      userId: event.userId ?? null,
      clientId: event.clientId ?? null,
      ip: event.ip ?? null,
      detail: event.detail ? JSON.stringify(event.detail) : null,
    };
    return new Promise((resolve, reject) => {
      if (this.waiting.length === 0) setImmediate(() => (this.writing = this.writing.then(() => this.write())));
      this.waiting.push({ values, settle: (error) => (error === undefined ? resolve() : reject(error)) });
    });
  }

  /** Resolves once every event recorded so far has been written (or refused). */
  async flush(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    await this.writing;
  }

  private async write(): Promise<void> {
    const batch = this.waiting;
    this.waiting = [];
    if (batch.length === 0) return; // an earlier write took them
    try {
      if (batch.length === 1) await insertEvent.run(this.db, batch[0]!.values);
      else
        await this.db.transaction().execute(async (trx) => {
          for (const { values } of batch) await insertEvent.run(trx, values);
        });
      for (const { settle } of batch) settle();
    } catch (error) {
      if (batch.length === 1) return batch[0]!.settle(error);
      // One event the database refuses must not take the others with it: each is tried on its own.
      for (const { values, settle } of batch) await insertEvent.run(this.db, values).then(() => settle(), settle);
    }
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
