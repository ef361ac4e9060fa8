// The registry of running upstream sessions, shared through the database: each instance records the sessions it
// runs and refreshes them on a heartbeat, so that the command line and the other instances see them. A row not seen
// for a while belongs to an instance that died without saying so, and is swept.
import type { Db } from './database.js';
import { statement } from './statements.js';

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

const recordStarted = statement((db, values: UpstreamSessionRow) =>
  db
    .insertInto('upstream_sessions')
    .values({
      instance_id: values.instanceId,
      instance_label: values.instanceLabel,
      server: values.server,
      owner: values.owner,
      pid: values.pid,
      started_at: values.startedAt,
      seen_at: values.seenAt,
    })
    .onConflict((conflict) =>
      conflict
        .columns(['instance_id', 'server', 'owner'])
        .doUpdateSet({ instance_label: values.instanceLabel, pid: values.pid, started_at: values.startedAt, seen_at: values.seenAt }),
    ),
);
const deleteSession = statement((db, values: { instanceId: string; server: string; owner: string }) =>
  db.deleteFrom('upstream_sessions').where('instance_id', '=', values.instanceId).where('server', '=', values.server).where('owner', '=', values.owner),
);
const markSeen = statement((db, values: { instanceId: string; now: number }) =>
  db.updateTable('upstream_sessions').set({ seen_at: values.now }).where('instance_id', '=', values.instanceId),
);
const deleteOfInstance = statement((db, values: { instanceId: string }) => db.deleteFrom('upstream_sessions').where('instance_id', '=', values.instanceId));
const deleteNotSeenSince = statement((db, values: { olderThan: number }) => db.deleteFrom('upstream_sessions').where('seen_at', '<', values.olderThan));
const listSeenSince = statement((db, values: { seenSince: number }) =>
  db
    .selectFrom('upstream_sessions')
    .selectAll()
    .where('seen_at', '>=', values.seenSince)
    .orderBy('server')
    .orderBy('owner')
    .orderBy('instance_label')
    .orderBy('instance_id'),
);

export class UpstreamSessionsRepository {
  constructor(private readonly db: Db) {}

  /** Records a session that has connected, replacing an earlier row of the same instance, server and owner. */
  async started(row: UpstreamSessionRow): Promise<void> {
    await recordStarted.run(this.db, {
      instanceId: row.instanceId,
      instanceLabel: row.instanceLabel,
      server: row.server,
      owner: row.owner,
      pid: row.pid,
      startedAt: row.startedAt,
      seenAt: row.seenAt,
    });
  }

  /** True when the session was recorded. */
  async stopped(instanceId: string, server: string, owner: string): Promise<boolean> {
    return (await deleteSession.run(this.db, { instanceId, server, owner })) > 0;
  }

  /** Marks every session of the instance as seen now; returns how many it has. */
  async heartbeat(instanceId: string, now: number): Promise<number> {
    return markSeen.run(this.db, { instanceId, now });
  }

  /** Removes every session of an instance that is stopping; returns how many there were. */
  async forget(instanceId: string): Promise<number> {
    return deleteOfInstance.run(this.db, { instanceId });
  }

  /** Removes the sessions not seen since `olderThan` (their instance died); returns how many. */
  async sweep(olderThan: number): Promise<number> {
    return deleteNotSeenSince.run(this.db, { olderThan });
  }

  /** The sessions seen since `seenSince`, by server, then owner, then instance. */
  async running(seenSince: number): Promise<UpstreamSessionRow[]> {
    const rows = await listSeenSince.all(this.db, { seenSince });
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
