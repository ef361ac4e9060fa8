// The SDK's client runs a notification's handler one microtask after it arrives (Protocol._onnotification), but
// settles a request the moment its answer arrives, dropping the request's progress handler. A server that sends
// its last progress notification just before its answer (most do) loses it on the way through the gateway. This
// keeps the order the upstream sent: an answer is handed to the client one microtask later than it came, after
// any notification that came before it.
import type { JSONRPCMessage, Transport } from '@modelcontextprotocol/client';

export function answersAfterNotifications<T extends Transport>(transport: T): T {
  return new Proxy(transport, {
    // The transport's own methods and getters run on the transport itself (its private fields live there).
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
    set(target, property, value, receiver) {
      if (property !== 'onmessage' || typeof value !== 'function') return Reflect.set(target, property, value, receiver);
      const deliver = value as NonNullable<Transport['onmessage']>;
      target.onmessage = (message: JSONRPCMessage, extra) => {
        if ('id' in message && ('result' in message || 'error' in message)) void Promise.resolve().then(() => deliver(message, extra));
        else deliver(message, extra);
      };
      return true;
    },
  });
}
