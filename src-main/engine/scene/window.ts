/** What every scene window model is: raw band values of one window in, water probabilities out. */
import type { CanonicalBand } from '../../api/dataset.ts';
import type { RunRecord } from '../../api/run.ts';
import type { CheckpointChoice } from '../run/trained-run.ts';

export interface WindowPrediction {
  /** [window, window] water probability (only the plan's centre is read). */
  probabilities: Float32Array;
  /** 1 where at least one of the model's input bands has data. */
  inputValid: Uint8Array;
}

export interface WindowModel {
  readonly record: RunRecord;
  readonly checkpoint: { which: CheckpointChoice; epoch: number | null };
  /** Bands to read from the scene, in this order. */
  readonly rawBands: readonly CanonicalBand[];
  /** Water where the probability is above this. */
  readonly maskThreshold: number;
  /** The Otsu baseline's scene-wide threshold (dB); absent for nets. */
  readonly otsuThresholdDb?: number;
  /** `origin`: scene pixel of the window's top-left corner (negative or beyond the scene where reflect-padded). */
  predict(raw: { pixels: Float32Array; present: boolean[] }, window: number, origin: { x: number; y: number }): Promise<WindowPrediction>;
  dispose(): void;
}

/** 1 where any of the raw planes `channels` (present in the scene) is not NaN. */
export function validWhereAny(raw: { pixels: Float32Array; present: boolean[] }, channels: readonly number[], plane: number): Uint8Array {
  const inputValid = new Uint8Array(plane);
  for (const c of channels) {
    if (c < 0 || !raw.present[c]) continue;
    const values = raw.pixels.subarray(c * plane, (c + 1) * plane);
    for (let i = 0; i < plane; i++) if (!Number.isNaN(values[i])) inputValid[i] = 1;
  }
  return inputValid;
}
