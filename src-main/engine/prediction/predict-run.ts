import { mkdir } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import type { EvalSplit } from '../../api/run.ts';
import { inspectDataset, isReadable } from '../dataset/inspect.ts';
import { openTrainedRun, type CheckpointChoice } from '../run/trained-run.ts';
import { readRunRecord } from '../run/run-record.ts';
import { selectChips } from '../inputs/select-chips.ts';
import type { JobContext } from '../compute/job-context.ts';
import { etaSeconds } from '../compute/job-context.ts';
import { JobCancelledError } from '../../api/jobs.ts';
import { beginOutputs, completeOutputs } from '../fs/completion.ts';
import { exportChipPrediction, type ExportedChipFiles } from './export-chip.ts';
import { chipFileStem, uniqueFileStems } from '../fs/chip-file-stem.ts';
import { probabilitiesWithNodata } from '../export/masks.ts';
import { withFolderLock } from '../fs/folder-lock.ts';

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
  /** Chips whose file names were changed so that no two outputs share a name. */
  renamed: { id: string; stem: string }[];
}

/**
 * Predicts every chip and writes `<chipId>_mask.tif` (and `_prob.tif`) on the chip's own grid, then the
 * completion marker (fs/completion.ts) last: a killed or failed predict leaves a folder that reads as incomplete.
 */
export async function predictRun(request: PredictRequest, context: JobContext): Promise<PredictResult> {
  return withFolderLock(resolve(request.outDir), 'predict', () => predictLocked(request, context));
}

async function predictLocked(request: PredictRequest, context: JobContext): Promise<PredictResult> {
  const record = await readRunRecord(request.runDir);
  const inspection = await inspectDataset(request.dataDir);
  const readable = inspection.chips.filter(isReadable);
  const skipped = inspection.chips
    .filter((chip) => !isReadable(chip))
    .map((chip) => ({ id: chip.id, reason: chip.errors.map((e) => e.message).join('; ') || 'unreadable' }));
  const chips = selectChips(record, readable, request.chips ?? 'all');
  const run = await openTrainedRun(request.runDir, chips, request.checkpoint ?? 'best', { context });
  const outDir = resolve(request.outDir);
  await mkdir(outDir, { recursive: true });
  await beginOutputs(outDir);
  const stems = uniqueFileStems(chips.map((chip) => chip.id));
  const provenance = {
    FLOODLENS_RUN: record.id,
    FLOODLENS_MODEL: record.model.kind,
    FLOODLENS_CHECKPOINT: record.baseline
      ? `none (${record.baseline.rule})`
      : `${run.checkpoint.which} (epoch ${run.checkpoint.epoch ?? '?'})`,
    FLOODLENS_THRESHOLD: String(record.config.threshold),
  };
  const written: PredictResult['chips'] = [];
  const started = performance.now();
  try {
    for (const [index, chip] of chips.entries()) {
      context.throwIfCancelled();
      // One chip that cannot be read or placed (no CRS, corrupt pixels) is reported and skipped; the others are written.
      try {
        if (chip.epsg === null || chip.geoTransform === null)
          throw new Error('has no CRS or geotransform: a mask cannot be placed on the map');
        const sample = await run.source.load(chip);
        const prediction = await run.predictor.predict(sample);
        const files = await exportChipPrediction(
          chip,
          {
            mask: prediction.mask,
            probabilities: request.probabilities ? probabilitiesWithNodata(prediction.probabilities, sample.inputValid) : null,
          },
          outDir,
          provenance,
          stems.get(chip.id),
        );
        written.push({ id: chip.id, files });
      } catch (error) {
        if (error instanceof JobCancelledError) throw error;
        skipped.push({ id: chip.id, reason: (error as Error).message });
        context.log(`skipped ${chip.id}: ${(error as Error).message}`);
      }
      const elapsed = (performance.now() - started) / 1000;
      context.progress({
        phase: 'predict',
        epoch: null,
        epochs: null,
        step: index + 1,
        steps: chips.length,
        loss: null,
        samplesPerSecond: (index + 1) / elapsed,
        etaSeconds: etaSeconds(index + 1, chips.length, elapsed),
        message: chip.id,
      });
    }
    if (written.length === 0) {
      throw new Error(
        `nothing was written: ${skipped.length} chip(s) could not be predicted (${skipped
          .slice(0, 3)
          .map((s) => `${s.id}: ${s.reason}`)
          .join('; ')}${skipped.length > 3 ? '; …' : ''})`,
      );
    }
  } finally {
    run.predictor.dispose();
  }
  const names = written
    .flatMap(({ files }) => [files.mask, files.probabilities].filter((file) => file !== null))
    .map((file) => relative(outDir, file));
  await completeOutputs(outDir, names, 'predict', { run: record.id, checkpoint: provenance.FLOODLENS_CHECKPOINT, chips: written.length });
  const renamed = chips
    .filter((chip) => stems.get(chip.id) !== chipFileStem(chip.id))
    .map((chip) => ({ id: chip.id, stem: stems.get(chip.id)! }));
  return { outDir, chips: written, skipped, renamed };
}
