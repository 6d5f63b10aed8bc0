/** RGBA on a chip's own grid for the prediction layers: mask, probability, error map, disagreement. */
import { DISAGREEMENT_COLOURS, ERROR_COLOURS, MASK_COLOUR, PROBABILITY_RAMP } from '../../api/runs.ts';
import { MASK_NODATA, MASK_WATER } from '../export/masks.ts';

type Rgb = readonly [number, number, number];
const put = (out: Uint8Array, i: number, rgb: Rgb, alpha = 255) => out.set([rgb[0], rgb[1], rgb[2], alpha], i * 4);

/** Water opaque, everything else transparent. */
export function maskRgba(mask: Uint8Array): Uint8Array {
  const out = new Uint8Array(mask.length * 4);
  for (let i = 0; i < mask.length; i++) if (mask[i] === MASK_WATER) put(out, i, MASK_COLOUR);
  return out;
}

/** `value` (0…1) on the probability ramp, linear between its stops. */
export function rampColour(value: number): Rgb {
  const v = Math.max(0, Math.min(1, value)) * (PROBABILITY_RAMP.length - 1);
  const k = Math.min(PROBABILITY_RAMP.length - 2, Math.floor(v));
  const t = v - k;
  const [a, b] = [PROBABILITY_RAMP[k], PROBABILITY_RAMP[k + 1]];
  return [Math.round(a[0] + t * (b[0] - a[0])), Math.round(a[1] + t * (b[1] - a[1])), Math.round(a[2] + t * (b[2] - a[2]))];
}

/** The ramp over every pixel with input; transparent without. */
export function probabilityRgba(probabilities: Float32Array, inputValid: Uint8Array): Uint8Array {
  const out = new Uint8Array(probabilities.length * 4);
  for (let i = 0; i < probabilities.length; i++) if (inputValid[i] !== 0) put(out, i, rampColour(probabilities[i]));
  return out;
}

/**
 * TP / FP / FN over pixels where the label is valid (as the metrics count them); true negatives and
 * not-valid pixels transparent. A pixel without prediction (mask 255) counts as not water, as in metrics.
 */
export function errorRgba(mask: Uint8Array, label: Float32Array, labelValid: Uint8Array): Uint8Array {
  const out = new Uint8Array(mask.length * 4);
  for (let i = 0; i < mask.length; i++) {
    if (labelValid[i] === 0) continue;
    const predicted = mask[i] === MASK_WATER;
    const water = label[i] === 1;
    if (predicted && water) put(out, i, ERROR_COLOURS.truePositive);
    else if (predicted) put(out, i, ERROR_COLOURS.falsePositive);
    else if (water) put(out, i, ERROR_COLOURS.falseNegative);
  }
  return out;
}

/** Where exactly one of two masks says water (pixels where either has no prediction are left out). */
export function disagreementRgba(a: Uint8Array, b: Uint8Array): { rgba: Uint8Array; differing: number; compared: number } {
  if (a.length !== b.length) throw new RangeError(`masks differ in size (${a.length} and ${b.length} pixels)`);
  const rgba = new Uint8Array(a.length * 4);
  let differing = 0;
  let compared = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === MASK_NODATA || b[i] === MASK_NODATA) continue;
    compared++;
    if (a[i] === b[i]) continue;
    differing++;
    put(rgba, i, a[i] === MASK_WATER ? DISAGREEMENT_COLOURS.onlyA : DISAGREEMENT_COLOURS.onlyB);
  }
  return { rgba, differing, compared };
}
