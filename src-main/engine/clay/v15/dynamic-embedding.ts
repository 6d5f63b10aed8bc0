/**
 * Clay v1.x `DynamicEmbedding` (claymodel/factory.py): the patch-embedding kernel is generated from
 * the bands' wavelengths. wave_posemb = posemb_sincos_1d(waves, 128) → FCBlock → a one-layer
 * post-norm transformer over [weight_tokens; wave tokens; bias_token] → fc_weight / fc_bias give a
 * conv kernel (×0.02) and bias; the conv (kernel P, stride P) runs as a matmul over cut-out patches.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ClayV15Spec } from '../identify.ts';
import { gelu, layerNorm, linear, multiHeadAttention, type LayerNormParams, type LinearParams } from '../nn/layers.ts';
import { posembSincos1d } from '../nn/sincos.ts';
import type { EncoderWeights } from '../weights.ts';

/** claymodel `FCBlock`: x + gelu(l2(gelu(l1(x)))). */
class FCBlock {
  constructor(
    private readonly l1: LinearParams,
    private readonly l2: LinearParams,
  ) {}

  static load(w: EncoderWeights, key: string, size: number): FCBlock {
    return new FCBlock(w.linear(`${key}.l1`, size, size), w.linear(`${key}.l2`, size, size));
  }

  forward(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.add(x, gelu(linear(gelu(linear(x, this.l1)), this.l2))) as tf.Tensor2D);
  }
}

/** torch `nn.TransformerEncoderLayer(norm_first=False, activation="gelu")`, unbatched [M, E]. */
class PostNormEncoderLayer {
  constructor(
    private readonly inProj: LinearParams,
    private readonly outProj: LinearParams,
    private readonly linear1: LinearParams,
    private readonly linear2: LinearParams,
    private readonly norm1: LayerNormParams,
    private readonly norm2: LayerNormParams,
    private readonly heads: number,
  ) {}

  static load(w: EncoderWeights, key: string, dim: number, ffnDim: number, heads: number): PostNormEncoderLayer {
    return new PostNormEncoderLayer(
      w.linearFrom(`${key}.self_attn.in_proj_weight`, [3 * dim, dim], `${key}.self_attn.in_proj_bias`),
      w.linear(`${key}.self_attn.out_proj`, dim, dim),
      w.linear(`${key}.linear1`, ffnDim, dim),
      w.linear(`${key}.linear2`, dim, ffnDim),
      w.layerNorm(`${key}.norm1`, dim),
      w.layerNorm(`${key}.norm2`, dim),
      heads,
    );
  }

  forward(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const [m, e] = x.shape;
      const qkv = tf.reshape(linear(x, this.inProj), [1, m, 3 * e]);
      const [q, k, v] = tf.split(qkv, 3, -1) as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
      const attn = linear(tf.reshape(multiHeadAttention(q, k, v, this.heads), [m, e]), this.outProj);
      const y = layerNorm(tf.add(x, attn), this.norm1);
      return layerNorm(tf.add(y, linear(gelu(linear(y, this.linear1)), this.linear2)), this.norm2) as tf.Tensor2D;
    });
  }
}

/** The generated patch embedding for one band set: kernel as a [C·P·P, D] matrix (×0.02 applied) and bias [D]. */
export interface GeneratedKernel {
  kernel: LinearParams;
  /** Intermediates for parity checks (owned by the caller, like `kernel`). */
  wavePosemb: tf.Tensor2D;
  waveFc: tf.Tensor2D;
  wavegenOut: tf.Tensor2D;
}

export class DynamicEmbedding {
  constructor(
    private readonly spec: ClayV15Spec,
    private readonly fcLayer: FCBlock,
    private readonly weightTokens: tf.Tensor2D,
    private readonly biasToken: tf.Tensor2D,
    private readonly waveEncoder: PostNormEncoderLayer,
    private readonly fcWeight: LinearParams,
    private readonly fcBias: LinearParams,
  ) {}

  static load(w: EncoderWeights, spec: ClayV15Spec): DynamicEmbedding {
    const { waveDim: e, numLatentTokens: t, dim, patchSize: p } = spec;
    const g = 'patch_embedding.weight_generator';
    return new DynamicEmbedding(
      spec,
      FCBlock.load(w, 'patch_embedding.fclayer', e),
      w.matrix(`${g}.weight_tokens`, t, e),
      w.matrix(`${g}.bias_token`, 1, e),
      PostNormEncoderLayer.load(w, `${g}.encoder.layers.0`, e, spec.waveFfnDim, spec.waveHeads),
      w.linear(`${g}.fc_weight`, p * p * dim, e),
      w.linear(`${g}.fc_bias`, dim, e),
    );
  }

  /** Kernel and bias for bands with these wavelengths (µm). Caller disposes the returned tensors. */
  generate(waves: ArrayLike<number>): GeneratedKernel {
    const { waveDim: e, numLatentTokens: t, dim, patchSize: p } = this.spec;
    const c = waves.length;
    return tf.tidy(() => {
      const wavePosemb = tf.tensor2d(posembSincos1d(waves, e), [c, e]);
      const waveFc = this.fcLayer.forward(wavePosemb);
      const x = tf.concat([this.weightTokens, waveFc, this.biasToken], 0) as tf.Tensor2D;
      const wavegenOut = this.waveEncoder.forward(x);
      // fc_weight(out[T:T+C] + x[T:T+C]): the residual uses the *input* wave tokens.
      const weights = linear(tf.add(tf.slice(wavegenOut, [t, 0], [c, e]), tf.slice(x, [t, 0], [c, e])), this.fcWeight); // [C, D·P·P]
      const bias = tf.reshape(linear(tf.slice(wavegenOut, [t + c, 0], [1, e]), this.fcBias), [dim]) as tf.Tensor1D;
      // kernel[o, c, i, j] = 0.02·weights[c, P²·o + P·i + j]  →  matrix row c·P² + P·i + j, column o.
      const weightT = tf.reshape(tf.transpose(tf.reshape(tf.mul(weights, 0.02), [c, dim, p * p]), [0, 2, 1]), [
        c * p * p,
        dim,
      ]) as tf.Tensor2D;
      return { kernel: { weightT, bias }, wavePosemb, waveFc, wavegenOut };
    });
  }
}
