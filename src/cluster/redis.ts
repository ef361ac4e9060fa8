// The Redis connections instances share state through (REDIS_URL): one for commands, one for subscriptions
// (a subscribed connection can do nothing else).
import { Redis } from 'ioredis';
import type { Logger } from '../log.js';

export interface RedisConnections {
  commands: Redis;
  subscriber: Redis;
  /** A short name for this instance, so it can recognise its own messages. */
  instanceId: string;
  /** A key or channel name under this deployment's prefix (REDIS_PREFIX). */
  key(name: string): string;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export async function connectRedis(url: string, prefix: string, logger: Logger, instanceId: string): Promise<RedisConnections> {
  const options = {
    // Fail fast while Redis is away, instead of queueing: rate limits fall back to memory, revocations to the
    // database poll, and nothing waits on a command that may never run.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt: number) => Math.min(attempt * 200, 2000),
  };
  const commands = new Redis(url, { ...options, lazyConnect: true });
  const subscriber = new Redis(url, { ...options, lazyConnect: true, enableOfflineQueue: true, maxRetriesPerRequest: null });
  let lastError: Error | undefined;
  for (const [role, client] of [
    ['commands', commands],
    ['subscriber', subscriber],
  ] as const) {
    client.on('error', (error) => {
      lastError = error;
      logger.warn({ err: error, role }, 'Redis connection problem');
    });
  }
  // A connection that fails says only "Connection is closed": the error before it says why (ECONNREFUSED…).
  await Promise.all([commands.connect(), subscriber.connect()]).catch((error: unknown) => {
    commands.disconnect();
    subscriber.disconnect();
    throw lastError ?? error;
  });
  return {
    commands,
    subscriber,
    instanceId,
    key: (name) => prefix + name,
    ping: () =>
      commands.ping().then(
        (answer) => answer === 'PONG',
        () => false,
      ),
    close: async () => {
      commands.disconnect();
      subscriber.disconnect();
    },
  };
}
