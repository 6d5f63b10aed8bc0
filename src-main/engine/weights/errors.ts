/** Why a download failed; the UI and CLI switch on `code`, the message is for people. */
export type DownloadErrorCode =
  | 'offline' // DNS failure, connection refused/unreachable before any response
  | 'interrupted' // connection lost mid-transfer; the .part is kept, calling again resumes
  | 'http-status' // the server answered with a non-success status
  | 'redirect-refused' // a redirect to a non-https (or non-loopback http) target, or too many redirects
  | 'network' // any other transport failure before a response (TLS, protocol)
  | 'bad-argument' // the URL is not https (or loopback http), or the expected SHA-256 is malformed
  | 'size-mismatch' // the .part is deleted
  | 'checksum-mismatch' // the .part is deleted
  | 'disk' // the file could not be read, written, synced or renamed
  | 'disk-space' // statfs says the file (plus the encoder cache) will not fit; nothing was written
  | 'cancelled'; // AbortSignal fired; the .part is kept for a later resume

export class DownloadError extends Error {
  readonly code: DownloadErrorCode;
  readonly url: string;
  /** HTTP status for `http-status`. */
  readonly status?: number;
  /** Expected / actual value for `size-mismatch` and `disk-space` (bytes) and `checksum-mismatch` (hex SHA-256). */
  readonly expected?: string;
  readonly actual?: string;
  /** The file involved, for `disk`; the folder, for `disk-space`. */
  readonly path?: string;
  /** For a 404/410 of a catalogue file: the release page where its current address can be found. */
  readonly releasePage?: string;

  constructor(
    code: DownloadErrorCode,
    message: string,
    details: { url: string; status?: number; expected?: string; actual?: string; path?: string; releasePage?: string; cause?: unknown },
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'DownloadError';
    this.code = code;
    this.url = details.url;
    this.status = details.status;
    this.expected = details.expected;
    this.actual = details.actual;
    this.path = details.path;
    this.releasePage = details.releasePage;
  }
}

export const OFFLINE_HINT = 'no network: download the file on a connected machine and open it with Load Clay checkpoint…';

/** Socket-level error codes that mean "we never reached the server". */
const UNREACHABLE_CODES = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_NODATA',
  'EAI_NONAME',
  'ECONNREFUSED',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENETDOWN',
  'EHOSTDOWN',
  'ETIMEDOUT',
  'ECONNRESET',
]);

export function isUnreachableError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && UNREACHABLE_CODES.has(code);
}

export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
