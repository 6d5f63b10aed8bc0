import { z } from 'zod';

/**
 * What went wrong, as every host reports it: a code a program can match, a message a person can read, and the
 * file concerned when there is one. Replies over WebSocket and Electron IPC carry exactly this.
 */
export const EngineErrorCodeSchema = z.enum([
  /** The request names no known operation. */
  'unknown-request',
  /** The request's payload fails the contract's schema. */
  'invalid-payload',
  /** The transport's message is not a request (not JSON, binary, wrong shape). */
  'bad-message',
  /** The job or download was cancelled (by the user, or stopped because it did not stop in time). */
  'cancelled',
  /** Input the engine cannot use: a corrupt file, a wrong grid, a missing CRS, a checkpoint of another model. */
  'bad-input',
  /** The file system refused: disk full, read-only, permissions. */
  'io',
  /** What the host was asked for is not configured here (no workspace, no weights folder, exports off). */
  'unavailable',
  /** Anything else. */
  'error',
]);
export type EngineErrorCode = z.infer<typeof EngineErrorCodeSchema>;

export const EngineErrorSchema = z.object({
  /** An EngineErrorCode, or a more precise code of the domain (e.g. a ChipErrorCode such as `no-crs`). */
  code: z.string().min(1),
  message: z.string(),
  file: z.string().optional(),
});
export type EngineErrorData = z.infer<typeof EngineErrorSchema>;

/** The one error type that crosses the contract. Engine errors that know their code or file extend it. */
export class EngineError extends Error {
  readonly code: EngineErrorCode | (string & {});
  readonly file: string | undefined;

  constructor(code: EngineErrorCode | (string & {}), message: string, options: { file?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'EngineError';
    this.code = code;
    this.file = options.file;
  }

  toJSON(): EngineErrorData {
    return this.file === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, file: this.file };
  }

  static from(data: EngineErrorData): EngineError {
    return new EngineError(data.code, data.message, { file: data.file });
  }
}

/**
 * Anything thrown, as the contract's error: an EngineError as it is; another error keeps its message, and its `code`
 * and `file` when they are non-empty strings (code 'error' otherwise).
 */
export function toEngineErrorData(error: unknown): EngineErrorData {
  if (error instanceof EngineError) return error.toJSON();
  const message = error instanceof Error ? error.message : String(error);
  const { code, file } = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; file?: unknown };
  const data: EngineErrorData = { code: typeof code === 'string' && code !== '' ? code : 'error', message };
  if (typeof file === 'string') data.file = file;
  return data;
}

/** True for an error that says the work was cancelled (whichever transport it came through). */
export function isCancelled(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'cancelled';
}
