/**
 * Clay v0 `Patchify` per band group: Conv2d(C_g→D, kernel P, stride P), `b d p1 p2 -> b (p1 p2) d`,
 * then LayerNorm. The conv is done as one matmul over patches cut out in JS (row-major patch order),
 * which is the same sum as the strided convolution.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BandGroup } from '../identify.ts';
import { layerNorm, linear, type LayerNormParams, type LinearParams } from '../nn/layers.ts';
import type { EncoderWeights } from '../weights.ts';

/**
 * Cut [B,C,H,W] pixels into patches of the selected bands: returns [B·(H/P)·(W/P), bands.length·P·P]
 * with each row ordered (band in the given order, patch row, patch column), token l = r·(W/P) + c.
 */
export function extractPatches(pixels: Float32Array, shape: readonly number[], bands: readonly number[], patch: number): Float32Array {
  const [b, c, h, w] = shape;
  const gh = h / patch;
  const gw = w / patch;
  const rowLen = bands.length * patch * patch;
  const out = new Float32Array(b * gh * gw * rowLen);
  let o = 0;
  for (let s = 0; s < b; s++) {
    for (let r = 0; r < gh; r++) {
      for (let col = 0; col < gw; col++) {
        for (const band of bands) {
          const plane = (s * c + band) * h * w;
          for (let i = 0; i < patch; i++) {
            const start = plane + (r * patch + i) * w + col * patch;
            out.set(pixels.subarray(start, start + patch), o);
            o += patch;
          }
        }
      }
    }
  }
  return out;
}

export class GroupPatchEmbedding {
  constructor(
    readonly group: BandGroup,
    private readonly proj: LinearParams, // conv kernel as a [C_g·P·P, D] matrix
    private readonly norm: LayerNormParams,
    private readonly patch: number,
  ) {}

  static load(w: EncoderWeights, group: BandGroup, dim: number, patch: number): GroupPatchEmbedding {
    const key = `patch_embedding.${group.name}`;
    const c = group.bands.length;
    const proj = w.linearFrom(`${key}.proj.weight`, [dim, c, patch, patch], `${key}.proj.bias`);
    return new GroupPatchEmbedding(group, proj, w.layerNorm(`${key}.norm`, dim), patch);
  }

  /** pixels [B,C,H,W] → [B, L, D] */
  forward(pixels: Float32Array, shape: readonly number[]): tf.Tensor3D {
    const [b, , h, w] = shape;
    const l = (h / this.patch) * (w / this.patch);
    const patches = extractPatches(pixels, shape, this.group.bands, this.patch);
    return tf.tidy(() => {
      const x = tf.tensor2d(patches, [b * l, this.group.bands.length * this.patch * this.patch]);
      return tf.reshape(layerNorm(linear(x, this.proj), this.norm), [b, l, -1]) as tf.Tensor3D;
    });
  }
}

/** `Encoder.to_patch_embed`: every group, stacked in group order → [B, G, L, D]. */
export class PatchEmbedding {
  constructor(readonly groups: GroupPatchEmbedding[]) {}

  static load(w: EncoderWeights, groups: BandGroup[], dim: number, patch: number): PatchEmbedding {
    return new PatchEmbedding(groups.map((g) => GroupPatchEmbedding.load(w, g, dim, patch)));
  }

  forward(pixels: Float32Array, shape: readonly number[]): tf.Tensor4D {
    const perGroup = this.groups.map((g) => g.forward(pixels, shape));
    const out = tf.stack(perGroup, 1) as tf.Tensor4D;
    for (const t of perGroup) t.dispose();
    return out;
  }
}
