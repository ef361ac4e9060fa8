// Revocations reach every instance within a second: each one is announced on Redis as it commits, and every
// instance adds it to its in-memory list. The database stays the truth (each instance also polls it), so a lost
// message only delays a refusal to the next poll.
import type { GrantsRepository } from '../storage/grants.js';
import type { RedisConnections } from './redis.js';

export async function fanOutRevocations(grants: GrantsRepository, redis: RedisConnections, remember: (grantId: string) => void): Promise<() => void> {
  const channel = redis.key('revocations');
  await redis.subscriber.subscribe(channel);
  const onMessage = (from: string, grantId: string) => {
    if (from === channel) remember(grantId);
  };
  redis.subscriber.on('message', onMessage);
  const unsubscribe = grants.onRevoke((grantId) => void redis.commands.publish(channel, grantId).catch(() => undefined));
  return () => {
    unsubscribe();
    redis.subscriber.off('message', onMessage);
  };
}
