/** `run.json`: the one reader and writer of a run's record (schema: RunRecordSchema in the api). */
import { existsSync } from 'node:fs';
import { EngineError } from '../../api/errors.ts';
import { RunRecordSchema, type RunRecord } from '../../api/run.ts';
import { writeJsonAtomic } from '../fs/atomic-write.ts';
import { MAX_JSON_BYTES, parseJsonText } from '../fs/json-file.ts';
import { readRegularText } from '../fs/regular-file.ts';
import { RunFiles } from './run-files.ts';

/** run.json is missing, not JSON, or not a run record: names the file. */
export class RunRecordError extends EngineError {
  constructor(file: string, problem: string) {
    super('bad-input', `${file}: ${problem}`, { file });
    this.name = 'RunRecordError';
  }
}

/** The record of the run in `runDir`; throws RunRecordError naming run.json when it is missing or invalid. */
export async function readRunRecord(runDir: string): Promise<RunRecord> {
  const file = new RunFiles(runDir).runJson;
  if (!existsSync(file)) throw new RunRecordError(file, `${runDir} is not a Floodlens run: run.json is missing`);
  // regular files only, bounded: a FIFO or a huge file named run.json cannot hang or exhaust the reader
  return parseRunRecord(file, await readRegularText(file, MAX_JSON_BYTES));
}

/** The record, or null when the folder holds no run.json yet. */
export async function readRunRecordIfAny(runDir: string): Promise<RunRecord | null> {
  return existsSync(new RunFiles(runDir).runJson) ? readRunRecord(runDir) : null;
}

export function parseRunRecord(file: string, text: string): RunRecord {
  let json: unknown;
  try {
    json = parseJsonText(file, text);
  } catch (error) {
    throw new RunRecordError(file, (error as Error).message.slice(file.length + 2));
  }
  const parsed = RunRecordSchema.safeParse(json);
  if (!parsed.success)
    throw new RunRecordError(
      file,
      `not a valid run record (${parsed.error.issues[0]?.path.join('.') || '(root)'}: ${parsed.error.issues[0]?.message})`,
    );
  return parsed.data;
}

/** Validates and writes run.json atomically (temp file + rename). */
export async function writeRunRecord(runDir: string, record: RunRecord): Promise<void> {
  await writeJsonAtomic(new RunFiles(runDir).runJson, RunRecordSchema.parse(record));
}
