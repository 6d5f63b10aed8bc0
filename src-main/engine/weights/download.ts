import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { dirname, resolve } from 'node:path';
import { DownloadError, errorCode, isUnreachableError, OFFLINE_HINT } from './errors.ts';
import { formatBytes, formatNeeded, freeBytes } from './free-space.ts';
import { getFollowingRedirects, parseDownloadUrl } from './http-get.ts';
import { TransferRate, type DownloadProgress } from './transfer-rate.ts';

export interface DownloadOptions {
  url: string;
  /** Final path. Bytes go to `<dest>.part` first, which is renamed onto `dest` once verified. */
  dest: string;
  /** Lower- or upper-case hex; null/undefined skips the check (the result still carries the hash). */
  expectedSha256?: string | null;
  expectedSize?: number | null;
  /** Aborting keeps `<dest>.part`; the next call with the same `dest` resumes from it. */
  signal?: AbortSignal;
  onProgress?: (progress: DownloadProgress) => void;
  /** Minimum time between progress events (the first and the last are always sent). Default 250 ms. */
  progressIntervalMs?: number;
  /** Give up when the connection is silent this long. Default 30 s. */
  idleTimeoutMs?: number;
  maxRedirects?: number;
  /** Opened in the 404/410 message: where the user can find the file's current address. */
  releasePage?: string;
  /** Bytes needed beyond the file itself (the encoder cache written on first use). Default 0. */
  reserveBytes?: number;
  /** Free bytes where `dest` goes (default: statfs); tests inject a small number. */
  freeSpace?: (dir: string) => Promise<number>;
}

export interface DownloadResult {
  path: string;
  bytes: number;
  sha256: string;
  /** Bytes that were already in `<dest>.part` and reused (0 when downloaded from scratch). */
  resumedFrom: number;
  /** The URL that finally served the bytes, after redirects. */
  finalUrl: string;
}

export const partPath = (dest: string): string => `${dest}.part`;

/**
 * HTTP(S) GET of one large file into `dest`: resumable (Range), verified (size, SHA-256 hashed as
 * the bytes arrive, including the part already on disk), atomic (the file appears at `dest` only
 * once it is complete and verified). Throws `DownloadError` with a `code` saying what went wrong.
 */
export async function downloadFile(options: DownloadOptions): Promise<DownloadResult> {
  const url = parseDownloadUrl(options.url);
  const expectedSha256 = normaliseSha256(options.expectedSha256, options.url);
  const expectedSize = options.expectedSize ?? null;
  const dest = resolve(options.dest);
  const part = partPath(dest);
  const context: TransferContext = {
    url,
    part,
    signal: options.signal,
    idleTimeoutMs: options.idleTimeoutMs ?? 30_000,
    maxRedirects: options.maxRedirects ?? 10,
    releasePage: options.releasePage,
  };
  throwIfCancelled(context);
  await onDisk(part, () => mkdir(dirname(dest), { recursive: true }), options.url);

  let resumedFrom = await partSize(part, options.url);
  if (expectedSize !== null && resumedFrom > expectedSize) resumedFrom = await discardPart(part, options.url);

  // At most two attempts: the second starts from zero when the server cannot continue the part.
  for (let attempt = 0; attempt < 2; attempt++) {
    // Hash the part before asking, so the socket never idles on a long hash of a multi-GB part.
    let hash = createHash('sha256');
    if (resumedFrom > 0) await hashExistingPart(part, resumedFrom, hash, context);
    const opened = await openTransfer(context, resumedFrom);
    if (opened.kind === 'restart') {
      resumedFrom = await discardPart(part, options.url);
      continue;
    }
    if (opened.kind === 'already-complete') {
      return finish(
        { part, dest, hash, bytes: resumedFrom, resumedFrom, finalUrl: opened.finalUrl, expectedSha256, expectedSize, url: options.url },
        options.onProgress,
      );
    }
    const { response, startAt, total, finalUrl } = opened;
    if (startAt === 0) hash = createHash('sha256');
    if (expectedSize !== null && total !== null && total !== expectedSize) {
      response.destroy();
      await discardPart(part, options.url);
      throw new DownloadError('size-mismatch', `${finalUrl} serves ${total} bytes but ${expectedSize} were expected; nothing was kept`, {
        url: options.url,
        expected: String(expectedSize),
        actual: String(total),
      });
    }
    if (total !== null)
      await assertFreeSpace(response, {
        dest,
        needed: total - startAt + (options.reserveBytes ?? 0),
        url: options.url,
        freeSpace: options.freeSpace ?? freeBytes,
      });
    const bytes = await receiveBody(response, {
      context,
      startAt,
      total,
      hash,
      onProgress: options.onProgress,
      intervalMs: options.progressIntervalMs ?? 250,
      resumedFrom: startAt,
    });
    return finish(
      { part, dest, hash, bytes, resumedFrom: startAt, finalUrl, expectedSha256, expectedSize, url: options.url },
      options.onProgress,
    );
  }
  throw new DownloadError('http-status', `${options.url}: the server could neither resume nor restart the download`, { url: options.url });
}

interface TransferContext {
  url: URL;
  part: string;
  signal?: AbortSignal;
  idleTimeoutMs: number;
  maxRedirects: number;
  releasePage?: string;
}

/** Refuses (before writing a byte) a transfer the disk cannot hold, rather than failing hours in with ENOSPC. */
async function assertFreeSpace(
  response: IncomingMessage,
  check: { dest: string; needed: number; url: string; freeSpace: (dir: string) => Promise<number> },
): Promise<void> {
  const dir = dirname(check.dest);
  const free = await check.freeSpace(dir).catch(() => null);
  if (free === null || free >= check.needed) return;
  response.destroy();
  throw new DownloadError(
    'disk-space',
    `not enough free disk in ${dir}: this download needs ~${formatNeeded(check.needed)}, only ${formatBytes(free)} are free; free some space or choose another weights folder`,
    {
      url: check.url,
      path: dir,
      expected: String(check.needed),
      actual: String(free),
    },
  );
}

type OpenedTransfer =
  | { kind: 'body'; response: IncomingMessage; startAt: number; total: number | null; finalUrl: string }
  | { kind: 'restart' }
  | { kind: 'already-complete'; finalUrl: string };

/** Sends the GET (with `Range` when resuming) and decides, from the status, where the body starts. */
async function openTransfer(context: TransferContext, resumedFrom: number): Promise<OpenedTransfer> {
  const headers: Record<string, string> = { 'user-agent': 'floodlens-weights-downloader', 'accept-encoding': 'identity' };
  if (resumedFrom > 0) headers.range = `bytes=${resumedFrom}-`;
  let response: IncomingMessage;
  let finalUrl: URL;
  try {
    ({ response, finalUrl } = await getFollowingRedirects(context.url, {
      headers,
      signal: context.signal,
      idleTimeoutMs: context.idleTimeoutMs,
      maxRedirects: context.maxRedirects,
    }));
  } catch (error) {
    throw classifyRequestError(error, context);
  }
  const status = response.statusCode ?? 0;
  if (status === 206 && resumedFrom > 0) {
    const range = parseContentRange(response.headers['content-range']);
    if (range?.start === resumedFrom) return { kind: 'body', response, startAt: resumedFrom, total: range.total, finalUrl: finalUrl.href };
    response.destroy();
    return { kind: 'restart' };
  }
  if (status === 200) {
    // A server that ignores Range sends the whole file again: start over (the caller's part is overwritten).
    return { kind: 'body', response, startAt: 0, total: contentLength(response), finalUrl: finalUrl.href };
  }
  if (status === 416 && resumedFrom > 0) {
    response.resume();
    const total = parseUnsatisfiedRange(response.headers['content-range']);
    return total === resumedFrom ? { kind: 'already-complete', finalUrl: finalUrl.href } : { kind: 'restart' };
  }
  response.resume();
  throw new DownloadError(
    'http-status',
    `HTTP ${status}${response.statusMessage ? ` ${response.statusMessage}` : ''} from ${finalUrl.href}${statusHint(status, context.releasePage)}`,
    {
      url: context.url.href,
      status,
      releasePage: status === 404 || status === 410 ? context.releasePage : undefined,
    },
  );
}

function statusHint(status: number, releasePage: string | undefined): string {
  if (status === 404 || status === 410) {
    const moved = ': the file is no longer at this address (the release moved or removed it)';
    return releasePage
      ? `${moved}. Open ${releasePage} to find it, then download it with "Use this URL" (CLI: --url <address>) or point Floodlens at a copy you already have`
      : `${moved}; check the URL`;
  }
  if (status === 401 || status === 403) return ': access denied (the file may need a login or accepting its terms in a browser)';
  if (status === 429 || status >= 500) return ': the server is busy or failing; try again later (the download resumes where it stopped)';
  return '';
}

interface ReceiveOptions {
  context: TransferContext;
  startAt: number;
  total: number | null;
  hash: Hash;
  resumedFrom: number;
  intervalMs: number;
  onProgress?: (progress: DownloadProgress) => void;
}

/** Streams the body onto the part (appending when resuming), hashing as it goes. Returns the part's final size. */
async function receiveBody(response: IncomingMessage, options: ReceiveOptions): Promise<number> {
  const { context, total, hash } = options;
  const url = context.url.href;
  let handle: FileHandle;
  try {
    handle = await open(context.part, options.startAt > 0 ? 'a' : 'w');
  } catch (error) {
    response.destroy();
    throw diskError(context.part, error, url);
  }
  let bytes = options.startAt;
  const rate = new TransferRate();
  rate.record(bytes);
  let lastEvent = -Infinity;
  const report = (done: boolean) => {
    lastEvent = performance.now();
    options.onProgress?.(rate.progress(bytes, total, options.resumedFrom, done));
  };
  try {
    report(false);
    const chunks = response[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    for (;;) {
      let next: IteratorResult<Buffer>;
      try {
        next = await chunks.next();
      } catch (error) {
        throwIfCancelled(context);
        throw interrupted(context, bytes, total, error);
      }
      if (next.done) break;
      try {
        await handle.write(next.value);
      } catch (error) {
        response.destroy();
        throw diskError(context.part, error, url);
      }
      hash.update(next.value);
      bytes += next.value.length;
      rate.record(bytes);
      if (performance.now() - lastEvent >= options.intervalMs) report(false);
    }
    throwIfCancelled(context);
    if (!response.complete || (total !== null && bytes < total)) throw interrupted(context, bytes, total, undefined);
    try {
      await handle.sync();
    } catch (error) {
      throw diskError(context.part, error, url);
    }
  } finally {
    await handle.close().catch(() => undefined);
  }
  return bytes;
}

interface FinishOptions {
  part: string;
  dest: string;
  hash: Hash;
  bytes: number;
  resumedFrom: number;
  finalUrl: string;
  expectedSha256: string | null;
  expectedSize: number | null;
  url: string;
}

/** Verifies size and checksum of the complete part, then renames it onto `dest`. */
async function finish(options: FinishOptions, onProgress?: (progress: DownloadProgress) => void): Promise<DownloadResult> {
  const { part, dest, url } = options;
  const sha256 = options.hash.digest('hex');
  if (options.expectedSize !== null && options.bytes !== options.expectedSize) {
    await discardPart(part, url);
    throw new DownloadError(
      'size-mismatch',
      `${url}: got ${options.bytes} bytes, expected ${options.expectedSize}; the partial file was deleted`,
      {
        url,
        expected: String(options.expectedSize),
        actual: String(options.bytes),
      },
    );
  }
  if (options.expectedSha256 !== null && sha256 !== options.expectedSha256) {
    await discardPart(part, url);
    throw new DownloadError(
      'checksum-mismatch',
      `checksum mismatch for ${url}: expected SHA-256 ${options.expectedSha256}, got ${sha256}; the downloaded file was deleted`,
      {
        url,
        expected: options.expectedSha256,
        actual: sha256,
      },
    );
  }
  await onDisk(dest, () => rename(part, dest), url);
  onProgress?.({
    bytes: options.bytes,
    total: options.bytes,
    resumedFrom: options.resumedFrom,
    bytesPerSecond: 0,
    etaSeconds: 0,
    done: true,
  });
  return { path: dest, bytes: options.bytes, sha256, resumedFrom: options.resumedFrom, finalUrl: options.finalUrl };
}

async function hashExistingPart(part: string, length: number, hash: Hash, context: TransferContext): Promise<void> {
  try {
    for await (const chunk of createReadStream(part, { start: 0, end: length - 1, highWaterMark: 1 << 20 })) {
      throwIfCancelled(context);
      hash.update(chunk as Buffer);
    }
  } catch (error) {
    if (error instanceof DownloadError) throw error;
    throw diskError(part, error, context.url.href);
  }
}

async function partSize(part: string, url: string): Promise<number> {
  try {
    const info = await stat(part);
    return info.isFile() ? info.size : 0;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return 0;
    throw diskError(part, error, url);
  }
}

async function discardPart(part: string, url: string): Promise<0> {
  await onDisk(part, () => rm(part, { force: true }), url);
  return 0;
}

async function onDisk<T>(path: string, operation: () => Promise<T>, url: string): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw diskError(path, error, url);
  }
}

function diskError(path: string, error: unknown, url: string): DownloadError {
  const code = errorCode(error);
  const reason =
    code === 'ENOSPC' || code === 'EDQUOT'
      ? 'the disk is full'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'EROFS'
          ? 'the disk is read-only'
          : error instanceof Error
            ? error.message
            : String(error);
  return new DownloadError('disk', `cannot write ${path}: ${reason}`, { url, path, cause: error });
}

function interrupted(context: TransferContext, bytes: number, total: number | null, cause: unknown): DownloadError {
  const of = total === null ? '' : ` of ${total}`;
  return new DownloadError(
    'interrupted',
    `connection to ${context.url.host} lost after ${bytes}${of} bytes; run the download again to resume from ${context.part}`,
    {
      url: context.url.href,
      cause,
    },
  );
}

function throwIfCancelled(context: TransferContext): void {
  if (context.signal?.aborted) {
    throw new DownloadError(
      'cancelled',
      `download of ${context.url.href} cancelled; the partial file ${context.part} is kept to resume later`,
      { url: context.url.href },
    );
  }
}

function classifyRequestError(error: unknown, context: TransferContext): DownloadError {
  if (error instanceof DownloadError) return error;
  throwIfCancelled(context);
  const url = context.url.href;
  const message = error instanceof Error ? error.message : String(error);
  if (isUnreachableError(error))
    return new DownloadError('offline', `${OFFLINE_HINT} (${context.url.host}: ${message})`, { url, cause: error });
  return new DownloadError('network', `cannot download ${url}: ${message}`, { url, cause: error });
}

function normaliseSha256(value: string | null | undefined, url: string): string | null {
  if (value === null || value === undefined || value === '') return null;
  const hex = value.trim().toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(hex))
    throw new DownloadError('bad-argument', `expected SHA-256 must be 64 hex digits, got "${value}"`, { url });
  return hex;
}

function contentLength(response: IncomingMessage): number | null {
  const raw = response.headers['content-length'];
  const value = raw === undefined ? NaN : Number(raw);
  return Number.isSafeInteger(value) && value >= 0 ? value : null;
}

/** `bytes START-END/TOTAL` (TOTAL may be `*`). */
export function parseContentRange(header: string | undefined): { start: number; end: number; total: number | null } | null {
  const match = header?.match(/^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i);
  if (!match) return null;
  return { start: Number(match[1]), end: Number(match[2]), total: match[3] === '*' ? null : Number(match[3]) };
}

// `bytes */TOTAL`, sent with 416 when the requested start is at or past the end.
function parseUnsatisfiedRange(header: string | undefined): number | null {
  const match = header?.match(/^bytes\s+\*\/(\d+)$/i);
  return match ? Number(match[1]) : null;
}
