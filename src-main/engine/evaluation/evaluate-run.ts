import { basename, resolve } from 'node:path';
import type { ChipInfo } from '../../api/dataset.ts';
import { EvaluationRecordSchema, type EvalSplit, type EvaluationRecord, type RunRecord } from '../../api/run.ts';
import { initBackend } from '../compute/backend.ts';
import { inspectDataset } from '../dataset/inspect.ts';
import { writeJsonAtomic } from '../fs/atomic-write.ts';
import type { JobContext } from '../jobs/job-context.ts';
import { labelledChips } from '../training/chip-samples.ts';
import { evaluateChips } from './evaluate-chips.ts';
import { openTrainedRun, readRunRecord, type CheckpointChoice } from './trained-run.ts';

export interface EvaluateRequest {
  runDir: string;
  dataDir: string;
  /** A split of the run, or explicit chip ids. */
  chips: EvalSplit | { ids: string[] };
  checkpoint?: CheckpointChoice;
  /** Name in `eval-<name>.json`; default: the split (plus the data folder when it is not the run's). */
  name?: string;
}

/** Chip ids of a run's split that exist in `chips`, or all of them. */
export function selectChips(record: RunRecord, chips: readonly ChipInfo[], which: EvaluateRequest['chips']): ChipInfo[] {
  const byId = new Map(chips.map((chip) => [chip.id, chip]));
  const ids = typeof which === 'object' ? which.ids : which === 'all' ? chips.map((c) => c.id) : record.data.split[which];
  const missing = ids.filter((id) => !byId.has(id));
  if (missing.length > 0) throw new Error(`chips not found (or unlabelled) in the data folder: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`);
  return ids.map((id) => byId.get(id)!);
}

export async function evaluateRun(request: EvaluateRequest, context: JobContext): Promise<EvaluationRecord> {
  const record = await readRunRecord(request.runDir);
  const chips = selectChips(record, labelledChips(await inspectDataset(request.dataDir)), request.chips);
  if (chips.length === 0) throw new Error(`no chips to evaluate (${typeof request.chips === 'object' ? 'empty chip list' : `the run's ${request.chips} split is empty`})`);
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
    });
    await writeJsonAtomic(run.files.evaluation(name.replace(/[^A-Za-z0-9._-]/g, '_')), result);
    return result;
  } finally {
    run.predictor.dispose();
  }
}
