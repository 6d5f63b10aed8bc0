import { resolve } from 'node:path';
import type { Comparison, RunRecord } from '../../api/run.ts';
import type { JobContext } from '../compute/job-context.ts';
import { evaluateRun } from './evaluate-run.ts';
import { readRunRecord } from '../run/run-record.ts';

export interface CompareRequest {
  runDirs: string[];
  /** Default: the first run's data folder. */
  dataDir?: string;
  /** Default: the chips in every run's test split. */
  chipIds?: string[];
}

function intersection(lists: string[][]): string[] {
  const [first = [], ...rest] = lists;
  return first.filter((id) => rest.every((list) => list.includes(id))).sort();
}

/** What makes a comparison unfair, said plainly. */
export function comparisonWarnings(records: RunRecord[], dataDir: string): string[] {
  const warnings: string[] = [];
  const fingerprints = new Set(records.map((r) => r.data.fingerprint));
  if (fingerprints.size > 1) warnings.push('the runs were trained on different data (data fingerprints differ)');
  const trainSets = new Set(records.map((r) => [...r.data.split.train].sort().join(',')));
  if (trainSets.size > 1) warnings.push('the runs trained on different chips (their train splits differ)');
  const foreign = records.filter((r) => resolve(r.data.dir) !== resolve(dataDir)).map((r) => r.id);
  if (foreign.length > 0) warnings.push(`scored on ${dataDir}, which is not the training data of ${foreign.join(', ')}`);
  for (const record of records) if (record.data.split.test.length === 0) warnings.push(`${record.id} has no test split`);
  // a run killed mid-training still has run.json and checkpoints: say it is not a finished run
  for (const record of records) {
    if (record.status === 'running' || record.status === 'failed' || record.status === 'cancelled') {
      warnings.push(
        `${record.id} did not complete (status ${record.status}: killed, failed or still training; ${record.epochs.length} of ${record.config.epochs} epochs): its scores are those of an unfinished run`,
      );
    }
  }
  return warnings;
}

/** Scores every run on the same chips, so the numbers side by side mean the same thing. */
export async function compareRuns(request: CompareRequest, context: JobContext): Promise<Comparison> {
  if (request.runDirs.length === 0) throw new Error('name at least one run to compare');
  const records = await Promise.all(request.runDirs.map((dir) => readRunRecord(dir)));
  const dataDir = resolve(request.dataDir ?? records[0].data.dir);
  const chips = request.chipIds ? [...request.chipIds].sort() : intersection(records.map((r) => r.data.split.test));
  if (chips.length === 0) {
    throw new Error('the runs share no test chip: train them with the same seed and split fractions, or choose the chips to compare');
  }
  const warnings = comparisonWarnings(records, dataDir);
  for (const record of records) {
    const trainedOn = chips.filter((id) => record.data.split.train.includes(id) || record.data.split.val.includes(id));
    if (trainedOn.length > 0) warnings.push(`${record.id} trained or validated on ${trainedOn.length} of the compared chips`);
  }
  const runs: Comparison['runs'] = [];
  for (const [index, runDir] of request.runDirs.entries()) {
    context.throwIfCancelled();
    const record = records[index];
    const evaluation = await evaluateRun({ runDir, dataDir, chips: { ids: chips }, name: 'compare' }, context);
    runs.push({
      runDir: resolve(runDir),
      runId: record.id,
      model: record.model.kind,
      backend: record.backend.name,
      epochs: record.epochs.length,
      trainSeconds: record.timings.trainSeconds,
      seed: record.config.seed,
      evaluation,
    });
  }
  return { dataDir, chips, chipSet: request.chipIds ? 'named' : 'intersection-of-test-splits', warnings, runs };
}
