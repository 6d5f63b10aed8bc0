/**
 * Who may talk to `floodlens serve`: requests addressed to the loopback host and port we listen on (a
 * DNS-rebinding page sends `Host: evil.example` and is refused even with the token), from our own page
 * or a non-browser client (no Origin), carrying the session token.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export type Refusal = { status: 400 | 401 | 403; reason: string };

export function tokensMatch(expected: string, given: string | null | undefined): boolean {
  if (!given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function allowedHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

/** The token from `?token=` or from the HttpOnly cookie the page response sets. */
export function presentedTokens(request: IncomingMessage, url: URL): string[] {
  const cookie = /(?:^|;\s*)floodlens_token=([0-9a-f]+)/.exec(request.headers.cookie ?? '')?.[1];
  return [url.searchParams.get('token'), cookie].filter((t): t is string => Boolean(t));
}

/** Null when the request may proceed; otherwise the status and why. `viaCookie`: whether the cookie may stand for the token. */
export function refusal(request: IncomingMessage, port: number, token: string, viaCookie: boolean): Refusal | null {
  const hosts = allowedHosts(port);
  if (!hosts.includes(request.headers.host ?? ''))
    return { status: 403, reason: 'forbidden host (only 127.0.0.1 / localhost on this port)' };
  const origin = request.headers.origin;
  if (origin !== undefined && !hosts.some((h) => origin === `http://${h}`)) return { status: 403, reason: 'forbidden origin' };
  const url = requestUrl(request, port);
  if (!url) return { status: 400, reason: 'bad request URL' };
  const tokens = viaCookie ? presentedTokens(request, url) : [url.searchParams.get('token')].filter((t): t is string => Boolean(t));
  if (!tokens.some((given) => tokensMatch(token, given))) return { status: 401, reason: 'missing or wrong session token' };
  return null;
}

export function requestUrl(request: IncomingMessage, port: number): URL | null {
  try {
    return new URL(request.url ?? '/', `http://127.0.0.1:${port}`);
  } catch {
    return null;
  }
}
