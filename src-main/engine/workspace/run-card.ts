import { join } from 'node:path';
import type { RunRecord } from '../../api/run.ts';
import { writeJsonAtomic } from '../fs/atomic-write.ts';

/** The run card: the run record as a standalone JSON file `<outDir>/<runId>.run.json`. */
export async function exportRunCard(record: RunRecord, outDir: string): Promise<string> {
  const file = join(outDir, `${record.id}.run.json`);
  await writeJsonAtomic(file, record);
  return file;
}
