/**
 * Clay v1.x `Encoder.add_encodings`: enc[b, l] = concat(pos[l] (D−8), time[b] (4), latlon[b] (4)) with
 * pos = posemb_sincos_2d_with_gsd(G, G, D−8, gsd). Added to every patch token (not to cls).
 */
import { posembSincos2dWithGsd } from '../nn/sincos.ts';

export function v15PositionTable(grid: number, dim: number, gsd: number): Float32Array {
  return posembSincos2dWithGsd(grid, grid, dim - 8, gsd);
}

/** The [B, L, D] table added to the patch embedding. */
export function v15Encodings(
  batch: number,
  grid: number,
  dim: number,
  gsd: number,
  time: Float32Array,
  latlon: Float32Array,
): Float32Array {
  const l = grid * grid;
  const posDim = dim - 8;
  const pos = v15PositionTable(grid, dim, gsd);
  const out = new Float32Array(batch * l * dim);
  for (let b = 0; b < batch; b++) {
    const meta = [...time.subarray(b * 4, b * 4 + 4), ...latlon.subarray(b * 4, b * 4 + 4)];
    for (let i = 0; i < l; i++) {
      const row = (b * l + i) * dim;
      out.set(pos.subarray(i * posDim, (i + 1) * posDim), row);
      out.set(meta, row + posDim);
    }
  }
  return out;
}
