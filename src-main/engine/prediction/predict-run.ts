import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { EvalSplit } from '../../api/run.ts';
import { inspectDataset, isReadable } from '../dataset/inspect.ts';
import { openTrainedRun, type CheckpointChoice } from '../run/trained-run.ts';
import { readRunRecord } from '../run/run-record.ts';
import { selectChips } from '../inputs/select-chips.ts';
import type { JobContext } from '../compute/job-context.ts';
import { etaSeconds } from '../compute/job-context.ts';
import { exportChipPrediction, type ExportedChipFiles } from './export-chip.ts';
import { probabilitiesWithNodata } from '../export/masks.ts';

export interface PredictRequest {
  runDir: string;
  dataDir: string;
  outDir: string;
  probabilities: boolean;
  /** Default: every readable chip of the folder, labelled or not. */
  chips?: EvalSplit | { ids: string[] };
  checkpoint?: CheckpointChoice;
}

export interface PredictResult {
  outDir: string;
  chips: { id: string; files: ExportedChipFiles }[];
  skipped: { id: string; reason: string }[];
}

/** Predicts every chip and writes `<chipId>_mask.tif` (and `_prob.tif`) on the chip's own grid. */
export async function predictRun(request: PredictRequest, context: JobContext): Promise<PredictResult> {
  const record = await readRunRecord(request.runDir);
  const inspection = await inspectDataset(request.dataDir);
  const readable = inspection.chips.filter(isReadable);
  const skipped = inspection.chips.filter((chip) => !isReadable(chip)).map((chip) => ({ id: chip.id, reason: chip.errors.map((e) => e.message).join('; ') || 'unreadable' }));
  const chips = selectChips(record, readable, request.chips ?? 'all');
  const run = await openTrainedRun(request.runDir, chips, request.checkpoint ?? 'best', { context });
  const outDir = resolve(request.outDir);
  await mkdir(outDir, { recursive: true });
  const provenance = {
    FLOODLENS_RUN: record.id,
    FLOODLENS_MODEL: record.model.kind,
    FLOODLENS_CHECKPOINT: record.baseline ? `none (${record.baseline.rule})` : `${run.checkpoint.which} (epoch ${run.checkpoint.epoch ?? '?'})`,
    FLOODLENS_THRESHOLD: String(record.config.threshold),
  };
  const written: PredictResult['chips'] = [];
  const started = performance.now();
  try {
    for (const [index, chip] of chips.entries()) {
      context.throwIfCancelled();
      const sample = await run.source.load(chip);
      const prediction = await run.predictor.predict(sample);
      const files = await exportChipPrediction(
        chip,
        { mask: prediction.mask, probabilities: request.probabilities ? probabilitiesWithNodata(prediction.probabilities, sample.inputValid) : null },
        outDir,
        provenance,
      );
      written.push({ id: chip.id, files });
      const elapsed = (performance.now() - started) / 1000;
      context.progress({ phase: 'predict', epoch: null, epochs: null, step: index + 1, steps: chips.length, loss: null, samplesPerSecond: (index + 1) / elapsed, etaSeconds: etaSeconds(index + 1, chips.length, elapsed), message: chip.id });
    }
  } finally {
    run.predictor.dispose();
  }
  return { outDir, chips: written, skipped };
}
