/** The Otsu baseline as a run's predictor: each chip thresholded on its own histogram of one radar band in dB. */
import type { BaselineMethod, InputNormalisation } from '../../api/run.ts';
import { otsuThreshold, OTSU_BINS } from '../models/otsu.ts';
import { MASK_NODATA, MASK_NOT_WATER, MASK_WATER } from '../export/masks.ts';
import { pixelSource, type ModelSample, type TrainingSource } from '../inputs/training-source.ts';
import type { ChipPredictor } from './predict-chip.ts';

/** Width of the soft edge of the probability layer around the threshold (dB): p = σ((t − x) / scale). */
const PROBABILITY_SCALE_DB = 1;

/** The largest float32 below 0.5: an Otsu probability is above it exactly where the value is water (≤ the threshold). */
export const OTSU_MASK_THRESHOLD = 0.5 - 2 ** -25;

/** Soft water probability of a dB value: ≥ 0.5 (as float32) exactly where `value <= threshold`. */
export function otsuProbability(value: number, threshold: number): number {
  const p = 1 / (1 + Math.exp((value - threshold) / PROBABILITY_SCALE_DB));
  return value > threshold && Math.fround(p) >= 0.5 ? OTSU_MASK_THRESHOLD : p;
}

export function otsuMethod(band: BaselineMethod['band']): BaselineMethod {
  return {
    method: 'otsu',
    band,
    units: 'dB',
    scope: 'chip',
    bins: OTSU_BINS,
    rule: `water where ${band} (dB) <= the chip's Otsu threshold (${OTSU_BINS}-bin histogram of its finite ${band} values, bin centres, as skimage threshold_otsu)`,
  };
}

/** The band as the model input, in dB and unscaled (an identity standardisation); nodata is marked by `inputValid`. */
export function otsuSource(band: BaselineMethod['band']): TrainingSource {
  return pixelSource([band], otsuNormalisation(band));
}

/** The identity standardisation in dB: what the baseline thresholds (chips and scene windows alike). */
export function otsuNormalisation(band: BaselineMethod['band']): InputNormalisation {
  return { kind: 'dataset', bands: [band], mean: [0], std: [1], s1Units: 'dB' };
}

/** Threshold of one sample (null when the band has no data on this chip). */
export function sampleOtsuThreshold(sample: ModelSample): number | null {
  return otsuThreshold(sample.input.subarray(0, sample.inputHeight * sample.inputWidth), sample.inputValid);
}

export function otsuPredictor(): ChipPredictor {
  return {
    async predict(sample) {
      const plane = sample.height * sample.width;
      const values = sample.input.subarray(0, plane);
      const threshold = sampleOtsuThreshold(sample);
      const mask = new Uint8Array(plane);
      const probabilities = new Float32Array(plane);
      for (let i = 0; i < plane; i++) {
        if (threshold === null || sample.inputValid[i] === 0) {
          mask[i] = MASK_NODATA;
          continue;
        }
        mask[i] = values[i] <= threshold ? MASK_WATER : MASK_NOT_WATER;
        probabilities[i] = otsuProbability(values[i], threshold);
      }
      return { id: sample.id, probabilities, mask, loss: null };
    },
    dispose: () => undefined,
  };
}
