/**
 * Confusion counts for the water class (1) against not-water (0), over the pixels where the label is
 * valid. Validity comes from the label alone: `valid[i] !== 0` (when a valid mask is given), the label
 * is not `labelNodata` and not NaN. A valid label must be 0 or 1. See docs/METRICS.md.
 */
import type { ConfusionCounts } from '../../api/metrics.ts';
import { MetricsInputError } from './errors.ts';

export type { ConfusionCounts } from '../../api/metrics.ts';

type NumericArray = ArrayLike<number>;

export interface LabelOptions {
  /** Non-zero where the label may be used; pixels with 0 are ignored. */
  valid?: NumericArray;
  /** Label value meaning "no label" (e.g. -1 in Sen1Floods11, 255 in C2S-MS); NaN is always ignored. */
  labelNodata?: number;
}

export interface MaskOptions extends LabelOptions {
  /** Predicted-mask value for "no prediction" (input had no data); counts as not water. Default 255. */
  predictedNodata?: number;
}

export interface ProbabilityOptions extends LabelOptions {
  /** Water where probability > threshold (strictly). Default 0.5. NaN probability = not water. */
  threshold?: number;
}

export const DEFAULT_THRESHOLD = 0.5;

export function emptyCounts(): ConfusionCounts {
  return { tp: 0, fp: 0, fn: 0, tn: 0, ignored: 0 };
}

export function addCounts(a: ConfusionCounts, b: ConfusionCounts): ConfusionCounts {
  return { tp: a.tp + b.tp, fp: a.fp + b.fp, fn: a.fn + b.fn, tn: a.tn + b.tn, ignored: a.ignored + b.ignored };
}

function checkLengths(prediction: NumericArray, label: NumericArray, valid: NumericArray | undefined, what: string): void {
  if (prediction.length !== label.length) {
    throw new MetricsInputError(`${what} has ${prediction.length} pixels but the label has ${label.length}`);
  }
  if (valid && valid.length !== label.length) {
    throw new MetricsInputError(`valid mask has ${valid.length} pixels but the label has ${label.length}`);
  }
}

function badLabel(i: number, value: number): never {
  throw new MetricsInputError(
    `label pixel ${i} is ${value}; a valid label must be 0 or 1 (set labelNodata or a valid mask for no-data values)`,
  );
}

/**
 * Counts from a predicted 0/1 mask. `isWater(i)` is inlined per caller for speed: the loop body is
 * the hot path when evaluating thousands of 512² chips.
 */
export function confusionFromMask(predicted: NumericArray, label: NumericArray, options: MaskOptions = {}): ConfusionCounts {
  const { valid, labelNodata } = options;
  const predictedNodata = options.predictedNodata ?? 255;
  checkLengths(predicted, label, valid, 'predicted mask');
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  let ignored = 0;
  for (let i = 0, n = label.length; i < n; i++) {
    const l = label[i];
    if ((valid !== undefined && valid[i] === 0) || l === labelNodata || l !== l) {
      ignored++;
      continue;
    }
    const p = predicted[i];
    let water: boolean;
    if (p === 1) water = true;
    else if (p === 0 || p === predictedNodata) water = false;
    else throw new MetricsInputError(`predicted mask pixel ${i} is ${p}; expected 0, 1 or ${predictedNodata} (no prediction)`);
    if (l === 1) {
      if (water) tp++;
      else fn++;
    } else if (l === 0) {
      if (water) fp++;
      else tn++;
    } else badLabel(i, l);
  }
  return { tp, fp, fn, tn, ignored };
}

/** Counts from water probabilities (sigmoid of the logits), water where probability > threshold. */
export function confusionFromProbabilities(
  probabilities: NumericArray,
  label: NumericArray,
  options: ProbabilityOptions = {},
): ConfusionCounts {
  const { valid, labelNodata } = options;
  const threshold = options.threshold ?? DEFAULT_THRESHOLD;
  if (typeof threshold !== 'number' || !(threshold >= 0 && threshold <= 1)) {
    throw new MetricsInputError(`threshold must be a number in [0, 1], got ${threshold}`);
  }
  checkLengths(probabilities, label, valid, 'probabilities');
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  let ignored = 0;
  for (let i = 0, n = label.length; i < n; i++) {
    const l = label[i];
    if ((valid !== undefined && valid[i] === 0) || l === labelNodata || l !== l) {
      ignored++;
      continue;
    }
    const water = probabilities[i] > threshold; // NaN > t is false: no prediction = not water
    if (l === 1) {
      if (water) tp++;
      else fn++;
    } else if (l === 0) {
      if (water) fp++;
      else tn++;
    } else badLabel(i, l);
  }
  return { tp, fp, fn, tn, ignored };
}

/** Water mask from probabilities with the same rule as confusionFromProbabilities (255 where NaN if asked). */
export function thresholdProbabilities(probabilities: NumericArray, threshold = DEFAULT_THRESHOLD, nanAs = 0): Uint8Array {
  const mask = new Uint8Array(probabilities.length);
  for (let i = 0; i < mask.length; i++) {
    const p = probabilities[i];
    mask[i] = p > threshold ? 1 : p !== p ? nanAs : 0;
  }
  return mask;
}
