/**
 * Clay v0 encoder (Clay-foundation/model v0.0.1 `Encoder`, inference path without masking):
 * per-group patch embedding → + fixed position/band-group encodings → flatten groups →
 * append latlon and time tokens → pre-norm transformer → final LayerNorm.
 * Grid for the segmentation decoder: grid[b, g·D + d, r, c] = tokens[b, g·L + r·gw + c, d].
 */
import * as tf from '@tensorflow/tfjs-core';
import { ClayError } from '../errors.ts';
import type { ClayV0Spec } from '../identify.ts';
import { linear, type LinearParams } from '../nn/layers.ts';
import { TensorCapture } from '../nn/capture.ts';
import { Transformer } from '../nn/transformer.ts';
import type { ArrayWithShape, ClayBatch, ClayForward, ForwardOptions, Shape4 } from '../types.ts';
import type { EncoderWeights } from '../weights.ts';
import { PatchEmbedding } from './patch-embedding.ts';
import { v0Encodings, type EncodingPrecision } from './positional-encoding.ts';

export interface ClayV0Options {
  /** Position/band tables: 'float16' as in v0.0.1 (what the released weights were trained with), or 'float32'. */
  encodingPrecision?: EncodingPrecision;
}

export class ClayV0Encoder {
  private readonly encodingCache = new Map<string, tf.Tensor3D>();
  readonly encodingPrecision: EncodingPrecision;

  private constructor(
    readonly spec: ClayV0Spec,
    private readonly weights: EncoderWeights,
    private readonly patchEmbedding: PatchEmbedding,
    private readonly latlonEmbedding: LinearParams,
    private readonly timeEmbedding: LinearParams,
    private readonly transformer: Transformer,
    opts: ClayV0Options,
  ) {
    this.encodingPrecision = opts.encodingPrecision ?? 'float16';
  }

  static load(w: EncoderWeights, spec: ClayV0Spec, opts: ClayV0Options = {}): ClayV0Encoder {
    const d = spec.dim;
    const latlonIn = w.shape('latlon_embedding.weight')[1];
    const timeIn = w.shape('time_embedding.weight')[1];
    return new ClayV0Encoder(
      spec,
      w,
      PatchEmbedding.load(w, spec.bandGroups, d, spec.patchSize),
      w.linear('latlon_embedding', d, latlonIn),
      w.linear('time_embedding', d, timeIn),
      Transformer.load(w, 'transformer', spec),
      opts,
    );
  }

  /** [G, L, D] encodings for a patch grid, built once per grid size. */
  private encodings(gridH: number, gridW: number): tf.Tensor3D {
    const key = `${gridH}x${gridW}`;
    let t = this.encodingCache.get(key);
    if (!t) {
      const g = this.spec.bandGroups.length;
      const table = v0Encodings(g, gridH, gridW, this.spec.dim, this.encodingPrecision);
      // tf.keep: this may run inside a forward tidy scope, which must not free the cached table.
      t = this.weights.keep(tf.keep(tf.tensor3d(table, [g, gridH * gridW, this.spec.dim])));
      this.encodingCache.set(key, t);
    }
    return t;
  }

  private validate(batch: ClayBatch): void {
    const [b, c, h, w] = batch.shape;
    const p = this.spec.patchSize;
    const latlonIn = this.latlonEmbedding.weightT.shape[0];
    const timeIn = this.timeEmbedding.weightT.shape[0];
    if (c !== this.spec.bandCount) throw new ClayError(`Clay v0 needs ${this.spec.bandCount} bands, the batch has ${c}`);
    if (h % p !== 0 || w % p !== 0) throw new ClayError(`chip ${h}×${w} is not a multiple of the patch size ${p}`);
    if (batch.pixels.length !== b * c * h * w)
      throw new ClayError(`pixels hold ${batch.pixels.length} values, shape [${batch.shape}] needs ${b * c * h * w}`);
    if (batch.latlon.length !== b * latlonIn) throw new ClayError(`latlon must be [${b},${latlonIn}], got ${batch.latlon.length} values`);
    if (batch.time.length !== b * timeIn) throw new ClayError(`time must be [${b},${timeIn}], got ${batch.time.length} values`);
  }

  async forward(batch: ClayBatch, opts: ForwardOptions = {}): Promise<ClayForward> {
    this.validate(batch);
    const [b, , h, w] = batch.shape;
    const { dim, patchSize: p } = this.spec;
    const g = this.spec.bandGroups.length;
    const gh = h / p;
    const gw = w / p;
    const l = gh * gw;
    const intermediates = new Map<string, ArrayWithShape>();
    const capture = new TensorCapture(opts.capture === true);
    let tokens: Float32Array;
    try {
      tokens = await this.encode(batch, b, g, l, gh, gw, capture.add);
      await capture.readInto(intermediates);
    } finally {
      capture.dispose();
    }
    const n = g * l + 2;
    const grid = new Float32Array(b * g * dim * l);
    for (let s = 0; s < b; s++) {
      for (let gi = 0; gi < g; gi++) {
        for (let i = 0; i < l; i++) {
          const src = (s * n + gi * l + i) * dim;
          const dst = (s * g + gi) * dim * l + i;
          for (let d = 0; d < dim; d++) grid[dst + d * l] = tokens[src + d];
        }
      }
    }
    const shape: Shape4 = [b, g * dim, gh, gw];
    return { tokens, tokensShape: [b, n, dim], grid, shape, intermediates };
  }

  /** patch embedding → encodings → metadata tokens → transformer; frees every intermediate, also on error. */
  private async encode(
    batch: ClayBatch,
    b: number,
    g: number,
    l: number,
    gh: number,
    gw: number,
    capture: (name: string, t: tf.Tensor) => void,
  ): Promise<Float32Array> {
    const dim = this.spec.dim;
    const owned: tf.Tensor[] = [];
    try {
      const patchEmbed = this.patchEmbedding.forward(batch.pixels, batch.shape); // [B,G,L,D]
      owned.push(patchEmbed);
      capture('patch_embed', patchEmbed);
      const input = tf.tidy(() => {
        const encoded = tf.reshape(tf.add(patchEmbed, this.encodings(gh, gw)), [b, g * l, dim]);
        const latlon = linear(tf.tensor2d(batch.latlon, [b, this.latlonEmbedding.weightT.shape[0]]), this.latlonEmbedding);
        const time = linear(tf.tensor2d(batch.time, [b, this.timeEmbedding.weightT.shape[0]]), this.timeEmbedding);
        return tf.concat([encoded, tf.reshape(latlon, [b, 1, dim]), tf.reshape(time, [b, 1, dim])], 1) as tf.Tensor3D;
      });
      owned.push(input);
      tf.dispose(owned.shift());
      capture('transformer_input', input);
      const tokens = this.transformer.forward(input, (i, x) => capture(`block${i}_out`, x));
      owned.push(tokens);
      return (await tokens.data()) as Float32Array;
    } finally {
      tf.dispose(owned);
    }
  }

  dispose(): void {
    this.encodingCache.clear();
    this.weights.dispose();
  }
}
