import type { ChipInfo } from '../../api/dataset.ts';
import type { MetricsReport } from '../../api/metrics.ts';
import type { ChipWaterArea, WaterAreas } from '../../api/run.ts';
import { buildMetricsReport, confusionFromMask, type ChipConfusion } from '../metrics/index.ts';
import { yieldToEventLoop, type JobContext } from '../compute/job-context.ts';
import type { ModelSample, TrainingSource } from '../inputs/training-source.ts';
import type { ChipPrediction, ChipPredictor } from './predict-chip.ts';
import { chipWaterArea, totalWaterAreas } from './water-areas.ts';

export interface Evaluation {
  report: MetricsReport;
  /** Mean loss over chips with valid pixels (null when none). */
  loss: number | null;
  /** Predicted and labelled water in km² over label-valid pixels. */
  areas: WaterAreas;
}

/**
 * Scores a predictor on whole chips. A pixel counts where the label is valid (docs/METRICS.md); where the
 * image had no data the mask says 255 (no prediction), which counts as not water.
 */
export function evaluateChips(
  predictor: ChipPredictor,
  source: TrainingSource,
  chips: readonly ChipInfo[],
  context?: JobContext,
  onPrediction?: (chip: ChipInfo, prediction: ChipPrediction) => Promise<void>,
): Promise<Evaluation> {
  return scoreSamples(
    predictor,
    'evaluate',
    chips.length,
    chips.map((chip) => async () => ({ sample: await source.load(chip), chip })),
    context,
    onPrediction,
  );
}

/** Scores ready-made samples (e.g. fixed validation crops); a sample's id names its row. */
export function evaluateSamples(predictor: ChipPredictor, samples: readonly ModelSample[], context?: JobContext): Promise<Evaluation> {
  return scoreSamples(
    predictor,
    'validate',
    samples.length,
    samples.map((sample) => async () => ({ sample, chip: null })),
    context,
  );
}

async function scoreSamples(
  predictor: ChipPredictor,
  phase: string,
  steps: number,
  loaders: (() => Promise<{ sample: ModelSample; chip: ChipInfo | null }>)[],
  context?: JobContext,
  onPrediction?: (chip: ChipInfo, prediction: ChipPrediction) => Promise<void>,
): Promise<Evaluation> {
  const confusions: ChipConfusion[] = [];
  const areas: ChipWaterArea[] = [];
  let lossSum = 0;
  let lossChips = 0;
  for (const [index, load] of loaders.entries()) {
    if (context) {
      await yieldToEventLoop();
      context.throwIfCancelled();
    }
    const { sample, chip } = await load();
    const prediction = await predictor.predict(sample);
    confusions.push({ id: sample.id, counts: confusionFromMask(prediction.mask, sample.label, { valid: sample.labelValid }) });
    const area = chip ? chipWaterArea(chip, prediction.mask, sample.label, sample.labelValid) : null;
    if (area) areas.push(area);
    if (prediction.loss !== null) {
      lossSum += prediction.loss;
      lossChips++;
    }
    if (chip) await onPrediction?.(chip, prediction);
    context?.progress({
      phase,
      epoch: null,
      epochs: null,
      step: index + 1,
      steps,
      loss: null,
      samplesPerSecond: null,
      etaSeconds: null,
      message: sample.id,
    });
  }
  return { report: buildMetricsReport(confusions), loss: lossChips > 0 ? lossSum / lossChips : null, areas: totalWaterAreas(areas) };
}
