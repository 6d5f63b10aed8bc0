import { replyResult, type EventEnvelope, type FloodlensClient, type Reply } from '../../../src-main/api/contract.ts';

/** What the preload script exposes: one request channel whose replies are envelopes, and the event channel. */
export interface PreloadBridge {
  request(name: string, payload: unknown): Promise<Reply>;
  onEvent(listener: (event: EventEnvelope) => void): () => void;
}

/** The client over Electron IPC: an error reply is thrown as an EngineError with its code (as over WebSocket). */
export function ipcClient(bridge: PreloadBridge): FloodlensClient {
  return {
    request: async (name, payload) => replyResult(await bridge.request(name, payload)) as never,
    onEvent: (listener) => bridge.onEvent(listener),
  };
}
