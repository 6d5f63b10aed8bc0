import type { LabelEncoding } from '../../api/dataset.ts';
import type { BandArray } from '../geo/geotiff-file.ts';

/** Adds the file's nodata (and NaN for float labels) to the encoding's not-valid values. */
export function effectiveEncoding(encoding: LabelEncoding, nodata: number | null, isFloat: boolean): LabelEncoding {
  const notValid = [...encoding.notValid];
  const add = (v: number | 'NaN') => {
    if (!notValid.includes(v)) notValid.push(v);
  };
  if (nodata !== null) add(Number.isNaN(nodata) ? 'NaN' : nodata);
  if (isFloat) add('NaN');
  return { ...encoding, notValid };
}

export interface LabelMasks {
  /** 1 where the label says water (and is valid). */
  water: Uint8Array;
  /** 1 where the label is water or not-water; 0 for not-valid and unexpected values. */
  valid: Uint8Array;
  waterPixels: number;
  validPixels: number;
  /** Pixels whose value is neither water, not-water nor a declared not-valid value. */
  unexpectedPixels: number;
  unexpectedValues: number[];
}

export function labelMasks(values: BandArray, encoding: LabelEncoding): LabelMasks {
  const n = values.length;
  const water = new Uint8Array(n);
  const valid = new Uint8Array(n);
  const notValid = new Set(encoding.notValid.filter((v): v is number => v !== 'NaN'));
  let waterPixels = 0;
  let validPixels = 0;
  let unexpectedPixels = 0;
  const unexpected = new Set<number>();
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === encoding.water) {
      water[i] = 1;
      valid[i] = 1;
      waterPixels++;
      validPixels++;
    } else if (v === encoding.notWater) {
      valid[i] = 1;
      validPixels++;
    } else if (!Number.isNaN(v) && !notValid.has(v)) {
      unexpectedPixels++;
      if (unexpected.size < 8) unexpected.add(v);
    }
  }
  return { water, valid, waterPixels, validPixels, unexpectedPixels, unexpectedValues: [...unexpected] };
}
