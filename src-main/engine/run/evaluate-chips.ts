import type { ChipInfo } from '../../api/dataset.ts';
import type { MetricsReport } from '../../api/metrics.ts';
import type { ChipWaterArea, WaterAreas } from '../../api/run.ts';
import { buildMetricsReport, confusionFromMask, type ChipConfusion } from '../metrics/index.ts';
import type { JobContext } from '../compute/job-context.ts';
import type { TrainingSource } from '../inputs/training-source.ts';
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
 * Scores a net on whole chips. A pixel counts where the label is valid (docs/METRICS.md); where the
 * image had no data the mask says 255 (no prediction), which counts as not water.
 */
export async function evaluateChips(
  predictor: ChipPredictor,
  source: TrainingSource,
  chips: readonly ChipInfo[],
  context?: JobContext,
  onPrediction?: (chip: ChipInfo, prediction: ChipPrediction) => Promise<void>,
): Promise<Evaluation> {
  const confusions: ChipConfusion[] = [];
  const areas: ChipWaterArea[] = [];
  let lossSum = 0;
  let lossChips = 0;
  for (const [index, chip] of chips.entries()) {
    context?.throwIfCancelled();
    const sample = await source.load(chip);
    const prediction = await predictor.predict(sample);
    confusions.push({ id: chip.id, counts: confusionFromMask(prediction.mask, sample.label, { valid: sample.labelValid }) });
    const area = chipWaterArea(chip, prediction.mask, sample.label, sample.labelValid);
    if (area) areas.push(area);
    if (prediction.loss !== null) {
      lossSum += prediction.loss;
      lossChips++;
    }
    await onPrediction?.(chip, prediction);
    context?.progress({ phase: 'evaluate', epoch: null, epochs: null, step: index + 1, steps: chips.length, loss: null, samplesPerSecond: null, etaSeconds: null, message: chip.id });
  }
  return { report: buildMetricsReport(confusions), loss: lossChips > 0 ? lossSum / lossChips : null, areas: totalWaterAreas(areas) };
}
