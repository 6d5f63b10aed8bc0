/**
 * Clay v0's fixed encodings, added to the patch tokens: enc[g, l] = concat(pos[l], band[g]) with
 * pos = posemb_sincos_2d(grid, D/2) and band = posemb_sincos_1d(G, D/2).
 * Clay v0.0.1 (the released weights) stored both tables as float16; later code used float32.
 */
import { posembSincos1d, posembSincos2d, roundTableToFloat16 } from '../nn/sincos.ts';

export type EncodingPrecision = 'float16' | 'float32';

export function v0PositionTable(gridH: number, gridW: number, dim: number, precision: EncodingPrecision): Float32Array {
  const t = posembSincos2d(gridH, gridW, dim / 2);
  return precision === 'float16' ? roundTableToFloat16(t) : t;
}

export function v0BandTable(groups: number, dim: number, precision: EncodingPrecision): Float32Array {
  const t = posembSincos1d(
    Array.from({ length: groups }, (_, g) => g),
    dim / 2,
  );
  return precision === 'float16' ? roundTableToFloat16(t) : t;
}

/** The full [G, L, D] table added to `patch_embed`. */
export function v0Encodings(groups: number, gridH: number, gridW: number, dim: number, precision: EncodingPrecision): Float32Array {
  const half = dim / 2;
  const l = gridH * gridW;
  const pos = v0PositionTable(gridH, gridW, dim, precision);
  const band = v0BandTable(groups, dim, precision);
  const out = new Float32Array(groups * l * dim);
  for (let g = 0; g < groups; g++) {
    for (let i = 0; i < l; i++) {
      const row = (g * l + i) * dim;
      out.set(pos.subarray(i * half, (i + 1) * half), row);
      out.set(band.subarray(g * half, (g + 1) * half), row + half);
    }
  }
  return out;
}
