import http from 'node:http';
import https from 'node:https';
import { DownloadError } from './errors.ts';

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/** Downloads go over https; plain http is accepted only for a loopback host (local mirrors, tests). */
export function parseDownloadUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new DownloadError('bad-argument', `not a valid URL: "${raw}"`, { url: raw });
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return url;
  throw new DownloadError(
    'bad-argument',
    `refusing to download over ${url.protocol.replace(':', '')} from ${url.host}: only https (or http on this machine) is allowed`,
    { url: raw },
  );
}

/**
 * A redirect may go anywhere over https (Hugging Face sends downloads to its CDN); it may go to plain
 * http only when the download started on a loopback http host and stays on that host.
 */
function assertRedirectAllowed(origin: URL, from: URL, target: URL): void {
  if (target.protocol === 'https:') return;
  if (target.protocol === 'http:' && origin.protocol === 'http:' && isLoopbackHost(origin.hostname) && target.hostname === origin.hostname)
    return;
  throw new DownloadError(
    'redirect-refused',
    `refusing redirect from ${from.href} to ${target.href}: downloads only follow redirects to https`,
    { url: origin.href },
  );
}

export interface GetOptions {
  headers: Record<string, string>;
  signal?: AbortSignal;
  /** Socket inactivity limit, both while connecting and while the body streams. */
  idleTimeoutMs: number;
  maxRedirects: number;
}

function getOnce(url: URL, options: GetOptions): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const transport = url.protocol === 'https:' ? https : http;
    const request = transport.get(url, { headers: options.headers, signal: options.signal, timeout: options.idleTimeoutMs }, resolve);
    request.on('error', reject);
    request.on('timeout', () => {
      const error = Object.assign(new Error(`no data from ${url.host} for ${options.idleTimeoutMs / 1000} s`), { code: 'ETIMEDOUT' });
      request.destroy(error);
    });
  });
}

/**
 * GET with redirects followed by hand (to enforce the https rule). Resolves with the first
 * non-redirect response, whatever its status; the caller owns and must consume or destroy it.
 * Transport errors are rejected as they come (the caller classifies them).
 */
export async function getFollowingRedirects(start: URL, options: GetOptions): Promise<{ response: http.IncomingMessage; finalUrl: URL }> {
  let current = start;
  for (let hop = 0; hop <= options.maxRedirects; hop++) {
    const response = await getOnce(current, options);
    const location = response.headers.location;
    if (!REDIRECT_STATUSES.has(response.statusCode ?? 0) || !location) return { response, finalUrl: current };
    response.resume();
    let target: URL;
    try {
      target = new URL(location, current);
    } catch {
      throw new DownloadError('redirect-refused', `${current.href} redirected to an invalid location "${location}"`, { url: start.href });
    }
    assertRedirectAllowed(start, current, target);
    current = target;
  }
  throw new DownloadError('redirect-refused', `more than ${options.maxRedirects} redirects starting from ${start.href}`, {
    url: start.href,
  });
}
