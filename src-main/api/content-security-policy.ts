/**
 * The renderer page's Content-Security-Policy, one definition for both hosts: the desktop app sends it as
 * a response header from the main process, `floodlens serve` sends it with the page (the page's `<meta>`
 * tag carries the same rules as a fallback). maplibre needs its worker (same-origin or blob:), blob: URLs
 * for quicklooks and inline style attributes; nothing needs eval or inline script.
 */
import { ONLINE_BASEMAP_IDS, ONLINE_BASEMAP_ORIGINS } from './basemaps.ts';

export interface CspOptions {
  /** Remote origins tiles may come from; default every online basemap's (the desktop app narrows further at run time). */
  tileOrigins?: readonly string[];
  /** Extra connect-src sources: the engine's WebSocket in server mode, the dev server in `npm run dev`. */
  connect?: readonly string[];
}

export function contentSecurityPolicyDirectives(options: CspOptions = {}): Record<string, string[]> {
  const tiles = options.tileOrigins ?? ONLINE_BASEMAP_IDS.flatMap((id) => ONLINE_BASEMAP_ORIGINS[id]);
  return {
    'default-src': ["'self'"],
    'script-src': ["'self'"],
    'style-src': ["'self'", "'unsafe-inline'"],
    'img-src': ["'self'", 'data:', 'blob:'],
    'font-src': ["'self'"],
    'worker-src': ["'self'", 'blob:'],
    'connect-src': ["'self'", 'blob:', ...(options.connect ?? []), ...tiles],
    'object-src': ["'none'"],
    'frame-src': ["'none'"],
    'frame-ancestors': ["'none'"],
    'base-uri': ["'none'"],
    'form-action': ["'none'"],
  };
}

export function contentSecurityPolicy(options: CspOptions = {}): string {
  return Object.entries(contentSecurityPolicyDirectives(options))
    .map(([name, sources]) => `${name} ${sources.join(' ')}`)
    .join('; ');
}

/** Parses a policy into directive → sources (to compare the header with the meta tag, and in tests). */
export function parseContentSecurityPolicy(policy: string): Record<string, string[]> {
  const directives: Record<string, string[]> = {};
  for (const part of policy.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) directives[name.toLowerCase()] = sources;
  }
  return directives;
}
