/**
 * What the renderer's session may load (`session.webRequest.onBeforeRequest`): the app's own files, DevTools,
 * in-memory data/blob URLs, and HTTPS from the origins of the basemaps the user switched on. All else is cancelled.
 */
import { isRendererFile, parseUrl, type AppPages } from './app-pages.ts';

export type RequestDecision = { allow: true } | { allow: false; reason: string };

const LOCAL_SCHEMES = new Set(['data:', 'blob:', 'devtools:']);

export function decideRequest(url: string, pages: AppPages, enabledOrigins: readonly string[]): RequestDecision {
  const parsed = parseUrl(url);
  if (!parsed) return { allow: false, reason: 'not a URL' };
  if (LOCAL_SCHEMES.has(parsed.protocol)) return { allow: true };
  if (parsed.protocol === 'file:') {
    return isRendererFile(parsed, pages) ? { allow: true } : { allow: false, reason: 'file outside the app' };
  }
  if (pages.devServerOrigin !== null && (parsed.origin === pages.devServerOrigin || sameHostWebSocket(parsed, pages.devServerOrigin))) {
    return { allow: true };
  }
  if (parsed.protocol === 'https:' && parsed.username === '' && parsed.password === '' && enabledOrigins.includes(parsed.origin)) {
    return { allow: true };
  }
  return {
    allow: false,
    reason:
      parsed.protocol === 'https:' ? `${parsed.origin} is not an enabled basemap host` : `${parsed.protocol} requests are not allowed`,
  };
}

/** Vite's hot-reload socket in `npm run dev`: ws:// on the dev server's host and port. */
function sameHostWebSocket(url: URL, devServerOrigin: string): boolean {
  const dev = new URL(devServerOrigin);
  return url.protocol === 'ws:' && url.host === dev.host;
}
