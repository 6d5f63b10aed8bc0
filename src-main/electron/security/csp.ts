/** The desktop app page's Content-Security-Policy header (see api/content-security-policy.ts). */
import { contentSecurityPolicy } from '../../api/content-security-policy.ts';

/** No WebSocket to the engine (the app talks IPC); the dev server and its hot-reload socket only in `npm run dev`. */
export function appContentSecurityPolicy(devServerOrigin: string | null): string {
  return contentSecurityPolicy({ connect: devServerOrigin ? [devServerOrigin, devServerOrigin.replace(/^http/, 'ws')] : [] });
}
