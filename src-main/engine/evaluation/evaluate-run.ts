import { basename, resolve } from 'node:path';
import { EvaluationRecordSchema, type EvaluationRecord } from '../../api/run.ts';
import { initBackend } from '../compute/backend.ts';
import { inspectDataset } from '../dataset/inspect.ts';
import { writeJsonAtomic } from '../fs/atomic-write.ts';
import type { JobContext } from '../compute/job-context.ts';
import { labelledChips } from '../inputs/chip-samples.ts';
import { selectChips, type ChipSelection } from '../inputs/select-chips.ts';
import { evaluateChips } from '../run/evaluate-chips.ts';
import { openTrainedRun, type CheckpointChoice } from '../run/trained-run.ts';
import { readRunRecord } from '../run/run-record.ts';
import { withFolderLock } from '../fs/folder-lock.ts';

export interface EvaluateRequest {
  runDir: string;
  dataDir: string;
  /** A split of the run, or explicit chip ids. */
  chips: ChipSelection;
  checkpoint?: CheckpointChoice;
  /** Name in `eval-<name>.json`; default: the split (plus the data folder when it is not the run's). */
  name?: string;
}

export async function evaluateRun(request: EvaluateRequest, context: JobContext): Promise<EvaluationRecord> {
  return withFolderLock(request.runDir, `evaluate (${request.name ?? 'split'})`, () => evaluateLocked(request, context));
}

async function evaluateLocked(request: EvaluateRequest, context: JobContext): Promise<EvaluationRecord> {
  const record = await readRunRecord(request.runDir);
  const chips = selectChips(record, labelledChips(await inspectDataset(request.dataDir)), request.chips);
  if (chips.length === 0)
    throw new Error(
      `no chips to evaluate (${typeof request.chips === 'object' ? 'empty chip list' : `the run's ${request.chips} split is empty`})`,
    );
  const run = await openTrainedRun(request.runDir, chips, request.checkpoint ?? 'best', { context });
  try {
    const backend = await initBackend();
    const evaluation = await evaluateChips(run.predictor, run.source, chips, context);
    const split = typeof request.chips === 'object' ? 'chips' : request.chips;
    const sameData = resolve(request.dataDir) === resolve(record.data.dir);
    const name = request.name ?? (sameData ? split : `${split}-${basename(resolve(request.dataDir))}`);
    const result = EvaluationRecordSchema.parse({
      ...evaluation.report,
      run: resolve(request.runDir),
      runId: record.id,
      model: record.model.kind,
      dataDir: resolve(request.dataDir),
      split,
      chips: chips.map((c) => c.id),
      threshold: record.config.threshold,
      checkpoint: run.checkpoint,
      backend: backend.backend,
      createdAt: new Date().toISOString(),
      areas: evaluation.areas,
    });
    await writeJsonAtomic(run.files.evaluation(name.replace(/[^A-Za-z0-9._-]/g, '_')), result);
    return result;
  } finally {
    run.predictor.dispose();
  }
}
