// The MCP change-event bus across instances: an event published on one instance reaches `subscriptions/listen`
// streams open on every instance. Local listeners hear it at once; Redis carries it to the others.
import { InMemoryServerEventBus, type ServerEvent, type ServerEventBus } from '@modelcontextprotocol/server';
import type { RedisConnections } from './redis.js';

export class RedisServerEventBus implements ServerEventBus {
  private readonly local = new InMemoryServerEventBus();

  private constructor(private readonly redis: RedisConnections) {}

  static async start(redis: RedisConnections): Promise<RedisServerEventBus> {
    const bus = new RedisServerEventBus(redis);
    await redis.subscriber.subscribe(redis.key('mcp-events'));
    redis.subscriber.on('message', (channel, message) => {
      if (channel !== redis.key('mcp-events')) return;
      let envelope: { from: string; event: ServerEvent };
      try {
        envelope = JSON.parse(message) as typeof envelope;
      } catch {
        return; // not ours: something else publishes on this channel
      }
      if (envelope.from !== redis.instanceId) bus.local.publish(envelope.event);
    });
    return bus;
  }

  publish(event: ServerEvent): void {
    this.local.publish(event);
    this.redis.commands.publish(this.redis.key('mcp-events'), JSON.stringify({ from: this.redis.instanceId, event })).catch(() => undefined);
  }

  subscribe(listener: (event: ServerEvent) => void): () => void {
    return this.local.subscribe(listener);
  }
}
