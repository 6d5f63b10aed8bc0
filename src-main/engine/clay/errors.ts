/** A Clay checkpoint or input that cannot be used, with the file it came from (when there is one). */
export class ClayError extends Error {
  readonly file: string | undefined;
  constructor(message: string, file?: string) {
    super(file ? `${file}: ${message}` : message);
    this.name = 'ClayError';
    this.file = file;
  }
}
