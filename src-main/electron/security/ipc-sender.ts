/** Every IPC request must come from the app page in the window's top frame, not from an iframe or another page. */
import { isAppPage, type AppPages } from './app-pages.ts';

export interface IpcSenderFrame {
  /** `event.senderFrame.url`; empty or missing when the frame is gone. */
  url: string | null | undefined;
  /** `event.senderFrame.parent === null`. */
  isMainFrame: boolean;
}

export function ipcSenderTrusted(frame: IpcSenderFrame | null | undefined, pages: AppPages): boolean {
  if (!frame || !frame.isMainFrame || !frame.url) return false;
  return isAppPage(frame.url, pages);
}

export class UntrustedSenderError extends Error {
  readonly code = 'untrusted-sender';
  constructor(url: string | null | undefined) {
    super(`IPC request refused: it came from ${url ? `"${url}"` : 'an unknown frame'}, not the Floodlens page`);
    this.name = 'UntrustedSenderError';
  }
}
