/**
 * Clay v1.x encoder (claymodel `Encoder`, inference path: mask_ratio 0, no shuffle):
 * wavelength-conditioned patch embedding → + [gsd-scaled 2-D position | time | latlon] encoding →
 * prepend the cls token → pre-norm transformer → final LayerNorm.
 * Grid for the decoder: grid[b, d, r, c] = tokens[b, 1 + r·G + c, d], [B, D, H/P, W/P].
 */
import * as tf from '@tensorflow/tfjs-core';
import { ClayError } from '../errors.ts';
import type { ClayV15Spec } from '../identify.ts';
import { linear } from '../nn/layers.ts';
import { TensorCapture } from '../nn/capture.ts';
import { Transformer } from '../nn/transformer.ts';
import type { ArrayWithShape, ClayBatch, ClayForward, ForwardOptions, Shape4 } from '../types.ts';
import { extractPatches } from '../v0/patch-embedding.ts';
import type { EncoderWeights } from '../weights.ts';
import { DynamicEmbedding } from './dynamic-embedding.ts';
import { v15Encodings, v15PositionTable } from './positional-encoding.ts';

export class ClayV15Encoder {
  private constructor(
    readonly spec: ClayV15Spec,
    private readonly weights: EncoderWeights,
    private readonly patchEmbedding: DynamicEmbedding,
    private readonly clsToken: tf.Tensor3D,
    private readonly transformer: Transformer,
  ) {}

  static load(w: EncoderWeights, spec: ClayV15Spec): ClayV15Encoder {
    return new ClayV15Encoder(
      spec,
      w,
      DynamicEmbedding.load(w, spec),
      w.tensor('cls_token', [1, 1, spec.dim]) as tf.Tensor3D,
      Transformer.load(w, 'transformer', spec),
    );
  }

  private validate(batch: ClayBatch): { waves: ArrayLike<number>; gsd: number } {
    const [b, c, h, w] = batch.shape;
    const p = this.spec.patchSize;
    const { waves, gsd } = batch;
    if (!waves || waves.length !== c)
      throw new ClayError(`Clay v1.x needs one wavelength (µm) per band: ${c} bands, ${waves?.length ?? 0} wavelengths`);
    for (let i = 0; i < waves.length; i++) {
      if (!Number.isFinite(waves[i])) throw new ClayError(`wavelength ${i} is not a finite number`);
    }
    if (gsd === undefined || !Number.isFinite(gsd)) throw new ClayError('Clay v1.x needs the ground sample distance (gsd, metres)');
    if (h !== w) throw new ClayError(`Clay v1.x encodes square chips (its position grid is sqrt(L)×sqrt(L)); got ${h}×${w}`);
    if (h % p !== 0) throw new ClayError(`chip ${h}×${w} is not a multiple of the patch size ${p}`);
    if (batch.pixels.length !== b * c * h * w)
      throw new ClayError(`pixels hold ${batch.pixels.length} values, shape [${batch.shape}] needs ${b * c * h * w}`);
    if (batch.time.length !== b * 4)
      throw new ClayError(`time must be [${b},4] (sin/cos week, sin/cos hour), got ${batch.time.length} values`);
    if (batch.latlon.length !== b * 4)
      throw new ClayError(`latlon must be [${b},4] (sin/cos lat, sin/cos lon), got ${batch.latlon.length} values`);
    return { waves, gsd };
  }

  async forward(batch: ClayBatch, opts: ForwardOptions = {}): Promise<ClayForward> {
    const { waves, gsd } = this.validate(batch);
    const [b, , h] = batch.shape;
    const dim = this.spec.dim;
    const grid = h / this.spec.patchSize;
    const l = grid * grid;
    const intermediates = new Map<string, ArrayWithShape>();
    const capture = new TensorCapture(opts.capture === true);
    if (opts.capture) intermediates.set('pos_encoding', { data: v15PositionTable(grid, dim, gsd), shape: [l, dim - 8] });

    let tokens: Float32Array;
    try {
      tokens = await this.encode(batch, waves, gsd, grid, capture.add, opts.capture === true);
      await capture.readInto(intermediates);
    } finally {
      capture.dispose();
    }
    const n = l + 1;
    const out = new Float32Array(b * dim * l);
    for (let s = 0; s < b; s++) {
      for (let i = 0; i < l; i++) {
        const src = (s * n + 1 + i) * dim;
        const dst = s * dim * l + i;
        for (let d = 0; d < dim; d++) out[dst + d * l] = tokens[src + d];
      }
    }
    const shape: Shape4 = [b, dim, grid, grid];
    return { tokens, tokensShape: [b, n, dim], grid: out, shape, intermediates };
  }

  /** dynamic patch embedding → encodings → cls → transformer; frees every intermediate, also on error. */
  private async encode(
    batch: ClayBatch,
    waves: ArrayLike<number>,
    gsd: number,
    grid: number,
    capture: (name: string, t: tf.Tensor) => void,
    capturing: boolean,
  ): Promise<Float32Array> {
    const [b, c] = batch.shape;
    const { dim, patchSize: p } = this.spec;
    const l = grid * grid;
    const owned: tf.TensorContainer[] = [];
    try {
      const gen = this.patchEmbedding.generate(waves);
      owned.push(gen as unknown as tf.TensorContainer);
      if (capturing) {
        capture('wave_posemb', gen.wavePosemb);
        capture('wave_fc', gen.waveFc);
        capture('wavegen_out', gen.wavegenOut);
        const kernel = tf.tidy(() => tf.reshape(tf.transpose(gen.kernel.weightT), [dim, c, p, p]));
        capture('patch_kernel', kernel);
        kernel.dispose();
        if (gen.kernel.bias) capture('patch_bias', gen.kernel.bias);
      }
      const patchRows = extractPatches(
        batch.pixels,
        batch.shape,
        Array.from({ length: c }, (_, i) => i),
        p,
      );
      const patchEmbed = tf.tidy(() => tf.reshape(linear(tf.tensor2d(patchRows, [b * l, c * p * p]), gen.kernel), [b, l, dim]));
      owned.push(patchEmbed);
      capture('patch_embed', patchEmbed);
      const input = tf.tidy(() => {
        const enc = tf.tensor3d(v15Encodings(b, grid, dim, gsd, batch.time, batch.latlon), [b, l, dim]);
        const cls = tf.tile(this.clsToken, [b, 1, 1]);
        return tf.concat([cls, tf.add(patchEmbed, enc)], 1) as tf.Tensor3D;
      });
      owned.push(input);
      capture('transformer_input', input);
      const tokens = this.transformer.forward(input, (i, x) => capture(`block${i}_out`, x));
      owned.push(tokens);
      return (await tokens.data()) as Float32Array;
    } finally {
      tf.dispose(owned);
    }
  }

  dispose(): void {
    this.weights.dispose();
  }
}
