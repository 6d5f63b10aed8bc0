import { contextBridge, ipcRenderer } from 'electron';
import { IPC_EVENT_CHANNEL, IPC_REQUEST_CHANNEL } from './ipc-channels.ts';

// Exposes only the typed request/event bridge; the renderer never sees ipcRenderer itself.
contextBridge.exposeInMainWorld('floodlensBridge', {
  request: (name: string, payload: unknown) => ipcRenderer.invoke(IPC_REQUEST_CHANNEL, name, payload),
  onEvent: (listener: (event: unknown) => void) => {
    const wrapped = (_: unknown, event: unknown) => listener(event);
    ipcRenderer.on(IPC_EVENT_CHANNEL, wrapped);
    return () => ipcRenderer.off(IPC_EVENT_CHANNEL, wrapped);
  },
});
