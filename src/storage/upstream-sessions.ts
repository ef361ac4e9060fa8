// The registry of running upstream sessions, shared through the database: each instance records the sessions it
// runs and refreshes them on a heartbeat, so that the command line and the other instances see them. A row not seen
// for a while belongs to an instance that died without saying so, and is swept.
import type { Db } from './database.js';

export interface UpstreamSessionRow {
  instanceId: string;
  /** hostname:pid of the instance. */
  instanceLabel: string;
  server: string;
  /** A user id, or `*` for a shared server's session. */
  owner: string;
  pid: number | null;
  startedAt: number;
  seenAt: number;
}

export class UpstreamSessionsRepository {
  constructor(private readonly db: Db) {}

  /** Records a session that has connected, replacing an earlier row of the same instance, server and owner. */
  async started(row: UpstreamSessionRow): Promise<void> {
    const values = {
      instance_id: row.instanceId,
      instance_label: row.instanceLabel,
      server: row.server,
      owner: row.owner,
      pid: row.pid,
      started_at: row.startedAt,
      seen_at: row.seenAt,
    };
    await this.db
      .insertInto('upstream_sessions')
      .values(values)
      .onConflict((conflict) =>
        conflict
          .columns(['instance_id', 'server', 'owner'])
          .doUpdateSet({ instance_label: values.instance_label, pid: values.pid, started_at: values.started_at, seen_at: values.seen_at }),
      )
      .execute();
  }

  /** True when the session was recorded. */
  async stopped(instanceId: string, server: string, owner: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('upstream_sessions')
      .where('instance_id', '=', instanceId)
      .where('server', '=', server)
      .where('owner', '=', owner)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /** Marks every session of the instance as seen now; returns how many it has. */
  async heartbeat(instanceId: string, now: number): Promise<number> {
    const result = await this.db.updateTable('upstream_sessions').set({ seen_at: now }).where('instance_id', '=', instanceId).executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** Removes every session of an instance that is stopping; returns how many there were. */
  async forget(instanceId: string): Promise<number> {
    const result = await this.db.deleteFrom('upstream_sessions').where('instance_id', '=', instanceId).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Removes the sessions not seen since `olderThan` (their instance died); returns how many. */
  async sweep(olderThan: number): Promise<number> {
    const result = await this.db.deleteFrom('upstream_sessions').where('seen_at', '<', olderThan).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** The sessions seen since `seenSince`, by server, then owner, then instance. */
  async running(seenSince: number): Promise<UpstreamSessionRow[]> {
    const rows = await this.db
      .selectFrom('upstream_sessions')
      .selectAll()
      .where('seen_at', '>=', seenSince)
      .orderBy('server')
      .orderBy('owner')
      .orderBy('instance_label')
      .orderBy('instance_id')
      .execute();
    return rows.map((row) => ({
      instanceId: row.instance_id,
      instanceLabel: row.instance_label,
      server: row.server,
      owner: row.owner,
      pid: row.pid === null ? null : Number(row.pid),
      startedAt: Number(row.started_at),
      seenAt: Number(row.seen_at),
    }));
  }
}
