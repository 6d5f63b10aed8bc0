/** Values of an exported water mask (`<chipId>_mask.tif`). */
export const MASK_WATER = 1;
export const MASK_NOT_WATER = 0;
export const MASK_NODATA = 255;

/** Water where probability > threshold; MASK_NODATA where the input had no data at all. */
export function maskFromProbabilities(probabilities: Float32Array, inputValid: Uint8Array, threshold: number): Uint8Array {
  const mask = new Uint8Array(probabilities.length);
  for (let i = 0; i < mask.length; i++) {
    mask[i] = inputValid[i] === 0 ? MASK_NODATA : probabilities[i] > threshold ? MASK_WATER : MASK_NOT_WATER;
  }
  return mask;
}

/** Probabilities with NaN where the input had no data (the `_prob.tif` nodata). */
export function probabilitiesWithNodata(probabilities: Float32Array, inputValid: Uint8Array): Float32Array {
  const out = new Float32Array(probabilities.length);
  for (let i = 0; i < out.length; i++) out[i] = inputValid[i] === 0 ? Number.NaN : probabilities[i];
  return out;
}
