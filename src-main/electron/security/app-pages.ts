/** Where the app's own page lives: the built renderer on disk, or the Vite dev server in `npm run dev`. */
import { pathToFileURL } from 'node:url';

export interface AppPages {
  /** `file:///…/out/renderer/index.html`, the one page the main window shows. */
  entryUrl: string;
  /** `file:///…/out/renderer/`: the only folder the renderer may read files from. */
  rendererDirUrl: string;
  /** `http://localhost:5173` while developing with the dev server, else null. */
  devServerOrigin: string | null;
}

export function appPages(rendererDir: string, devServerUrl: string | undefined): AppPages {
  const dirUrl = pathToFileURL(rendererDir).href.replace(/\/?$/, '/');
  return {
    entryUrl: new URL('index.html', dirUrl).href,
    rendererDirUrl: dirUrl,
    devServerOrigin: devServerUrl ? new URL(devServerUrl).origin : null,
  };
}

export function parseUrl(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** A file URL inside the renderer folder (after the URL parser removed `..` and `%2e%2e` segments). */
export function isRendererFile(url: URL, pages: AppPages): boolean {
  if (url.protocol !== 'file:') return false;
  if (/%2f|%5c/i.test(url.pathname)) return false; // an encoded separator could escape after decoding
  return url.href.startsWith(pages.rendererDirUrl);
}

/** The app page itself (any query or hash), from disk or from the dev server. */
export function isAppPage(url: string, pages: AppPages): boolean {
  const parsed = parseUrl(url);
  if (!parsed) return false;
  if (pages.devServerOrigin !== null && parsed.origin === pages.devServerOrigin) return true;
  parsed.search = '';
  parsed.hash = '';
  return parsed.href === pages.entryUrl;
}
