import { readRegularText } from './regular-file.ts';

/** A JSON state file (run.json, a manifest, a summary) that cannot be read or parsed; the message names the file. */
export class JsonFileError extends Error {
  constructor(
    readonly path: string,
    problem: string,
    options?: { cause?: unknown },
  ) {
    super(`${path}: ${problem}`, options);
    this.name = 'JsonFileError';
  }
}

/** 64 MiB: far above any state file we write (run.json of a long run is < 1 MiB). */
export const MAX_JSON_BYTES = 64 * 1024 * 1024;

/** Parses JSON text read from `path`; a syntax error names the file ("…/run.json: not valid JSON (…)"). */
export function parseJsonText(path: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = text.trim() === '' ? 'the file is empty' : (error as Error).message;
    throw new JsonFileError(path, `not valid JSON (${reason}); the file is damaged or was cut short`, { cause: error });
  }
}

/** Reads and parses a JSON file (regular files only, bounded); every failure names the file. */
export async function readJsonFile(path: string, maxBytes = MAX_JSON_BYTES): Promise<unknown> {
  let text: string;
  try {
    text = await readRegularText(path, maxBytes);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new JsonFileError(path, 'the file does not exist', { cause: error });
    if (error instanceof Error && error.message.startsWith(path))
      throw new JsonFileError(path, error.message.slice(path.length + 2), { cause: error });
    throw new JsonFileError(path, `cannot read it (${(error as Error).message})`, { cause: error });
  }
  return parseJsonText(path, text);
}
