import type { ChipError, ChipErrorCode } from '../../api/dataset.ts';

/** A chip file could not be used: names the file and the problem. Never thrown past the dataset reader. */
export class ChipReadError extends Error {
  readonly code: ChipErrorCode;
  readonly file: string;
  readonly severity: 'error' | 'warning';

  constructor(code: ChipErrorCode, file: string, message: string, severity: 'error' | 'warning' = 'error') {
    super(`${file}: ${message}`);
    this.name = 'ChipReadError';
    this.code = code;
    this.file = file;
    this.severity = severity;
  }

  toJSON(): ChipError {
    return { file: this.file, code: this.code, message: this.message.slice(this.file.length + 2), severity: this.severity };
  }
}

/** Turns anything thrown while reading `file` into a ChipReadError (keeps existing ones). */
export function asChipReadError(error: unknown, file: string, code: ChipErrorCode = 'corrupt-tiff'): ChipReadError {
  if (error instanceof ChipReadError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new ChipReadError(code, file, detail);
}
