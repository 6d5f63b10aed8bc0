/** Navigation and new windows: the window only ever shows the app page; links open outside the app. */
import { isAppPage, parseUrl, type AppPages } from './app-pages.ts';

/** `will-navigate` / `will-redirect` / `will-frame-navigate`: only (re)loading the app page itself. */
export function navigationAllowed(url: string, pages: AppPages): boolean {
  return isAppPage(url, pages);
}

/**
 * Hosts whose pages a link in the app may open in the user's browser (basemap attributions, data
 * credits, the Clay weights' release page). Anything else a page asks to open is dropped.
 */
export const EXTERNAL_LINK_HOSTS: readonly string[] = [
  'www.openstreetmap.org',
  'openstreetmap.org',
  'www.esri.com',
  'www.naturalearthdata.com',
  'maplibre.org',
  'github.com',
  'huggingface.co',
];

/** `setWindowOpenHandler` always denies a new window; this says whether to hand the URL to the OS browser. */
export function externalLinkAllowed(url: string): boolean {
  const parsed = parseUrl(url);
  return (
    parsed !== null &&
    parsed.protocol === 'https:' &&
    parsed.username === '' &&
    parsed.password === '' &&
    parsed.port === '' &&
    EXTERNAL_LINK_HOSTS.includes(parsed.hostname)
  );
}
