// Runs periodic work on one instance at a time: a Redis lock when instances share Redis, a PostgreSQL advisory lock
// when they share only the database, nothing to take on embedded SQLite (one process owns the file's writes).
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../storage/database.js';
import type { RedisConnections } from './redis.js';

export interface ClusterLock {
  /** Runs `work` unless another instance holds the lock; returns whether it ran. */
  run(name: string, ttlMs: number, work: () => Promise<void>): Promise<boolean>;
}

export function redisLock(redis: RedisConnections): ClusterLock {
  return {
    async run(name, ttlMs, work) {
      const key = redis.key(`lock:${name}`);
      const owner = randomUUID();
      if ((await redis.commands.set(key, owner, 'PX', ttlMs, 'NX')) !== 'OK') return false;
      try {
        await work();
      } finally {
        // Release only our own lock: it may have expired and been taken by another instance meanwhile.
        await redis.commands.eval("if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0", 1, key, owner);
      }
      return true;
    },
  };
}

export function postgresLock(db: Db): ClusterLock {
  return {
    async run(name, _ttlMs, work) {
      // An advisory lock belongs to a session: hold one connection for the whole run.
      return db.connection().execute(async (connection) => {
        const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_lock(hashtext(${`gatehouse:${name}`})) as locked`.execute(connection);
        if (!rows[0]?.locked) return false;
        try {
          await work();
        } finally {
          await sql`select pg_advisory_unlock(hashtext(${`gatehouse:${name}`}))`.execute(connection);
        }
        return true;
      });
    },
  };
}

export const noLock: ClusterLock = {
  async run(_name, _ttlMs, work) {
    await work();
    return true;
  },
};
