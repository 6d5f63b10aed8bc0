/** A checkpoint that cannot be read or written: names the file and what is wrong with it. */
export class CheckpointError extends Error {
  readonly file: string;
  constructor(file: string, problem: string, options?: { cause?: unknown }) {
    super(`${file}: ${problem}`, options);
    this.name = 'CheckpointError';
    this.file = file;
  }
}
