import type { FloodlensClient } from '../../../src-main/api/contract.ts';
import { ipcClient, type PreloadBridge } from './ipc.ts';
import { webSocketClient } from './websocket.ts';

/** Electron exposes a preload bridge; in a browser (server mode) we talk WebSocket with the page's token. */
export function connectClient(): FloodlensClient {
  const bridge = (window as unknown as { floodlensBridge?: PreloadBridge }).floodlensBridge;
  if (bridge) return ipcClient(bridge);
  const token = new URLSearchParams(location.search).get('token') ?? '';
  return webSocketClient(`ws://${location.host}/ws?token=${encodeURIComponent(token)}`);
}
