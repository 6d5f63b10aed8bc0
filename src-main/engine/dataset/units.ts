import type { S1Units } from '../../api/dataset.ts';

/**
 * Guesses Sentinel-1 backscatter units from valid pixel values: dB is mostly negative (about -50..+10),
 * linear power is never negative (mostly < 1). Returns null when the values fit neither.
 */
export function detectS1Units(values: ArrayLike<number>, nodata: number | null): S1Units | null {
  let valid = 0;
  let negative = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v) || v === nodata) continue;
    valid++;
    if (v < 0) negative++;
  }
  if (valid === 0) return null;
  if (negative / valid >= 0.5) return 'dB';
  if (negative === 0) return 'linear';
  return null;
}

export const dbToLinear = (db: number) => Math.pow(10, db / 10);
