import type { EventEnvelope, FloodlensClient } from '../../../src-main/api/contract.ts';

export interface PreloadBridge {
  request(name: string, payload: unknown): Promise<unknown>;
  onEvent(listener: (event: EventEnvelope) => void): () => void;
}

export function ipcClient(bridge: PreloadBridge): FloodlensClient {
  return {
    request: (name, payload) => bridge.request(name, payload) as never,
    onEvent: (listener) => bridge.onEvent(listener),
  };
}
