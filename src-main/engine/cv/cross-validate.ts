/**
 * `floodlens cv`: leave-one-region-out cross-validation. For every region, a model trains on the other
 * regions (its validation chips come from them too) and is scored on the left-out region's chips beside
 * the Otsu baseline and the all-water / no-water predictors. The report is rewritten after every fold.
 */
import { join, resolve } from 'node:path';
import type { ChipInfo } from '../../api/dataset.ts';
import { CvReportSchema, CV_PREDICTORS, type CvFold, type CvPredictor, type CvReport } from '../../api/cv.ts';
import type { TrainConfigInput } from '../../api/run.ts';
import { inspectDataset } from '../dataset/inspect.ts';
import { evaluateChips } from '../run/evaluate-chips.ts';
import { openTrainedRun } from '../run/trained-run.ts';
import { otsuPredictor, otsuSource } from '../run/otsu-predictor.ts';
import type { ChipPredictor } from '../run/predict-chip.ts';
import { writeJsonAtomic } from '../fs/atomic-write.ts';
import type { JobContext } from '../compute/job-context.ts';
import { MASK_NODATA, MASK_NOT_WATER, MASK_WATER } from '../export/masks.ts';
import { labelledChips } from '../inputs/chip-samples.ts';
import { trainRun } from '../training/trainer.ts';
import { groupByRegion } from './regions.ts';

export interface CrossValidateRequest {
  /** Train settings for the model (dataDir is set from `dataDir`). */
  config: Omit<TrainConfigInput, 'dataDir'>;
  dataDir: string;
  outDir: string;
  /** Chip id → region, over the id-prefix rule. */
  regionOverrides?: Record<string, string>;
  /** Only these regions are left out (default: all). */
  onlyRegions?: string[];
}

/** Water (or dry) wherever the image has data: the trivial predictors, on the same footing as a model. */
function constantPredictor(water: boolean): ChipPredictor {
  return {
    async predict(sample) {
      const mask = new Uint8Array(sample.height * sample.width);
      for (let i = 0; i < mask.length; i++) mask[i] = sample.inputValid[i] ? (water ? MASK_WATER : MASK_NOT_WATER) : MASK_NODATA;
      return { id: sample.id, probabilities: Float32Array.from(mask, (m) => (m === MASK_WATER ? 1 : 0)), mask, loss: null };
    },
    dispose: () => undefined,
  };
}

const mean = (values: (number | null)[]) => {
  const defined = values.filter((v): v is number => v !== null);
  return defined.length > 0 ? defined.reduce((a, b) => a + b, 0) / defined.length : null;
};

export async function crossValidate(request: CrossValidateRequest, context: JobContext): Promise<CvReport> {
  const dataDir = resolve(request.dataDir);
  const chips = labelledChips(await inspectDataset(dataDir));
  const regions = groupByRegion(
    chips.map((c) => c.id),
    request.regionOverrides,
  );
  if (Object.keys(regions).length < 2)
    throw new Error(
      `${dataDir}: leave-one-region-out needs chips from at least 2 regions, found ${Object.keys(regions).join(', ') || 'none'}`,
    );
  const byId = new Map(chips.map((c) => [c.id, c]));
  const report: CvReport = {
    dataDir,
    model: request.config.model,
    regionRule: `chip-id prefix (Sen1Floods11 country, C2S-MS site letters)${Object.keys(request.regionOverrides ?? {}).length > 0 ? ' with overrides' : ''}`,
    regions,
    config: { ...request.config },
    folds: [],
    perChipMeanIou: { model: null, otsu: null, 'all-water': null, 'no-water': null },
    meanRegionIou: { model: null, otsu: null, 'all-water': null, 'no-water': null },
    createdAt: new Date().toISOString(),
    complete: false,
  };
  const reportFile = join(resolve(request.outDir), 'cv.json');
  for (const [region, ids] of Object.entries(regions)) {
    if (request.onlyRegions && !request.onlyRegions.includes(region)) continue;
    context.throwIfCancelled();
    context.log(`fold ${region}: holding out ${ids.join(', ')}`);
    report.folds.push(
      await runFold(
        region,
        ids.map((id) => byId.get(id)!),
        request,
        dataDir,
        context,
      ),
    );
    summarise(report);
    await writeJsonAtomic(reportFile, CvReportSchema.parse(report));
  }
  report.complete = true;
  await writeJsonAtomic(reportFile, CvReportSchema.parse(report));
  return report;
}

async function runFold(
  region: string,
  heldOut: ChipInfo[],
  request: CrossValidateRequest,
  dataDir: string,
  context: JobContext,
): Promise<CvFold> {
  const runDir = join(resolve(request.outDir), `fold-${region}`);
  const fold: CvFold = {
    region,
    chips: heldOut.map((c) => c.id),
    runDir,
    stopReason: null,
    epochs: 0,
    trainSeconds: 0,
    collapse: null,
    scores: {} as CvFold['scores'],
    perChip: [],
    error: null,
  };
  const perChip = new Map(heldOut.map((c) => [c.id, {} as Record<CvPredictor, number | null>]));
  const score = async (name: CvPredictor, predictor: ChipPredictor, source: Parameters<typeof evaluateChips>[1]) => {
    try {
      const evaluation = await evaluateChips(predictor, source, heldOut, context);
      fold.scores[name] = { iou: evaluation.report.metrics.iou, perChipMeanIou: evaluation.report.perChipMean.iou };
      for (const chip of evaluation.report.perChip) perChip.get(chip.id)![name] = chip.iou;
    } finally {
      predictor.dispose();
    }
  };
  try {
    const record = await trainRun({ outDir: runDir, config: { ...request.config, dataDir }, testChips: fold.chips }, context);
    Object.assign(fold, {
      stopReason: record.stopReason,
      epochs: record.epochs.length,
      trainSeconds: record.timings.trainSeconds,
      collapse: record.collapse,
    });
    const run = await openTrainedRun(runDir, heldOut, 'best');
    await score('model', run.predictor, run.source);
  } catch (error) {
    if (context.cancelled) throw error;
    fold.error = (error as Error).message;
    fold.scores.model = { iou: null, perChipMeanIou: null };
    for (const entry of perChip.values()) entry.model = null;
  }
  await score('otsu', otsuPredictor(), otsuSource('VH'));
  await score('all-water', constantPredictor(true), otsuSource('VH'));
  await score('no-water', constantPredictor(false), otsuSource('VH'));
  fold.perChip = [...perChip].map(([id, iou]) => ({ id, iou }));
  return fold;
}

function summarise(report: CvReport): void {
  for (const name of CV_PREDICTORS) {
    report.perChipMeanIou[name] = mean(report.folds.flatMap((f) => f.perChip.map((c) => c.iou[name] ?? null)));
    report.meanRegionIou[name] = mean(report.folds.map((f) => f.scores[name]?.iou ?? null));
  }
}

/** The report as a plain-text table (one row per region, then the means). */
export function formatCvTable(report: CvReport): string {
  const f = (v: number | null | undefined) => (v === null || v === undefined ? '   -  ' : v.toFixed(3).padStart(6));
  const head = `${'region'.padEnd(10)} ${'chips'.padStart(5)}  ${CV_PREDICTORS.map((p) => p.padStart(9)).join(' ')}   (IoU over the region's pixels; model: epochs, stop)`;
  const rows = report.folds.map(
    (fold) =>
      `${fold.region.padEnd(10)} ${String(fold.chips.length).padStart(5)}  ${CV_PREDICTORS.map((p) => f(fold.scores[p]?.iou).padStart(9)).join(' ')}   ${fold.error ? `error: ${fold.error}` : `${fold.epochs} ep, ${fold.stopReason ?? '-'}${fold.collapse ? `, COLLAPSED ${fold.collapse}` : ''}`}`,
  );
  const chips = report.folds.reduce((n, fold) => n + fold.chips.length, 0);
  return [
    head,
    ...rows,
    `${'mean/region'.padEnd(10)} ${''.padStart(5)}  ${CV_PREDICTORS.map((p) => f(report.meanRegionIou[p]).padStart(9)).join(' ')}`,
    `${'per-chip mean'.padEnd(10)} ${String(chips).padStart(2)}  ${CV_PREDICTORS.map((p) => f(report.perChipMeanIou[p]).padStart(9)).join(' ')}   (mean of every held-out chip's IoU where defined)`,
  ].join('\n');
}
