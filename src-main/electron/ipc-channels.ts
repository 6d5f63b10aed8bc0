/** IPC channel names shared by the main process and the preload bridge. */
export const IPC_REQUEST_CHANNEL = 'floodlens:request';
export const IPC_EVENT_CHANNEL = 'floodlens:event';
