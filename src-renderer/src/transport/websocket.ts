import { replyResult, type EventEnvelope, type FloodlensClient, type ReplyEnvelope } from '../../../src-main/api/contract.ts';

/** Request/reply over one WebSocket; requests made before it opens are queued. */
export function webSocketClient(url: string): FloodlensClient {
  const socket = new WebSocket(url);
  const opened = new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => resolve(), { once: true });
    socket.addEventListener('error', () => reject(new Error('cannot connect to the Floodlens engine')), { once: true });
  });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  const listeners = new Set<(event: EventEnvelope) => void>();
  let nextId = 1;

  socket.addEventListener('message', (message) => {
    const data = JSON.parse(String(message.data)) as ReplyEnvelope | EventEnvelope;
    if ('event' in data) {
      for (const listener of listeners) listener(data);
      return;
    }
    const waiter = pending.get(data.id);
    if (!waiter) return;
    pending.delete(data.id);
    try {
      waiter.resolve(replyResult(data));
    } catch (error) {
      waiter.reject(error as Error);
    }
  });
  socket.addEventListener('close', () => {
    for (const waiter of pending.values()) waiter.reject(new Error('connection to the engine closed'));
    pending.clear();
  });

  return {
    async request(name, payload) {
      await opened;
      const id = nextId++;
      const reply = new Promise<unknown>((resolve, reject) => pending.set(id, { resolve, reject }));
      socket.send(JSON.stringify({ id, name, payload }));
      return reply as never;
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
