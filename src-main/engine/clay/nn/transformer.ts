/**
 * The pre-norm ViT transformer both Clay versions use (v0: lucidrains vit-pytorch 1.6.4 `Transformer`,
 * v1.x: `claymodel/backbone.py`, same math, slightly different key names):
 *   x = x + to_out(attn(LN0(x)));  x = x + ff_out(gelu(ff_in(LN1(x))));  after all blocks: final LayerNorm.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { EncoderWeights } from '../weights.ts';
import { gelu, layerNorm, linear, multiHeadAttention, type LayerNormParams, type LinearParams } from './layers.ts';

export interface TransformerShape {
  dim: number;
  depth: number;
  heads: number;
  dimHead: number;
  mlpDim: number;
}

interface AttentionParams {
  norm: LayerNormParams;
  toQkv: LinearParams;
  toOut: LinearParams | null; // null: vit-pytorch's Identity projection (heads 1 and dimHead == dim)
}

interface FeedForwardParams {
  norm: LayerNormParams;
  fc1: LinearParams;
  fc2: LinearParams;
}

export class TransformerBlock {
  constructor(
    private readonly attn: AttentionParams,
    private readonly ff: FeedForwardParams,
    private readonly heads: number,
  ) {}

  static load(w: EncoderWeights, prefix: string, s: TransformerShape): TransformerBlock {
    const inner = s.heads * s.dimHead;
    // vit-pytorch names the output projection `to_out.0` (Linear + Dropout, with bias); claymodel `to_out` (no bias).
    const outKey = w.has(`${prefix}.0.to_out.0.weight`) ? `${prefix}.0.to_out.0` : `${prefix}.0.to_out`;
    const attn: AttentionParams = {
      norm: w.layerNorm(`${prefix}.0.norm`, s.dim),
      toQkv: w.linear(`${prefix}.0.to_qkv`, 3 * inner, s.dim, 'none'),
      toOut: w.has(`${outKey}.weight`) ? w.linear(outKey, s.dim, inner, 'optional') : null,
    };
    // FeedForward = Sequential(LayerNorm, Linear, GELU, Dropout, Linear[, Dropout]): vit-pytorch net.4, claymodel net.3.
    const fc2Key = w.has(`${prefix}.1.net.4.weight`) ? `${prefix}.1.net.4` : `${prefix}.1.net.3`;
    const ff: FeedForwardParams = {
      norm: w.layerNorm(`${prefix}.1.net.0`, s.dim),
      fc1: w.linear(`${prefix}.1.net.1`, s.mlpDim, s.dim),
      fc2: w.linear(fc2Key, s.dim, s.mlpDim),
    };
    return new TransformerBlock(attn, ff, s.heads);
  }

  forward(x: tf.Tensor3D): tf.Tensor3D {
    return tf.tidy(() => {
      const qkv = linear(layerNorm(x, this.attn.norm), this.attn.toQkv) as tf.Tensor3D;
      const [q, k, v] = tf.split(qkv, 3, -1) as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
      let a: tf.Tensor = multiHeadAttention(q, k, v, this.heads);
      if (this.attn.toOut) a = linear(a, this.attn.toOut);
      const x1 = tf.add(x, a);
      const f = linear(gelu(linear(layerNorm(x1, this.ff.norm), this.ff.fc1)), this.ff.fc2);
      return tf.add(x1, f) as tf.Tensor3D;
    });
  }
}

export class Transformer {
  constructor(
    readonly blocks: TransformerBlock[],
    private readonly norm: LayerNormParams,
  ) {}

  /** `prefix` is e.g. `transformer`: blocks at `transformer.layers.{i}`, final norm at `transformer.norm`. */
  static load(w: EncoderWeights, prefix: string, s: TransformerShape): Transformer {
    const blocks = Array.from({ length: s.depth }, (_, i) => TransformerBlock.load(w, `${prefix}.layers.${i}`, s));
    return new Transformer(blocks, w.layerNorm(`${prefix}.norm`, s.dim));
  }

  /**
   * Runs every block then the final norm. `onBlock(i, x)` sees the residual stream after block i
   * (for parity checks); the tensor is disposed after the call, so copy what you need synchronously.
   */
  forward(x: tf.Tensor3D, onBlock?: (index: number, x: tf.Tensor3D) => void): tf.Tensor3D {
    let cur = x;
    for (let i = 0; i < this.blocks.length; i++) {
      const next = this.blocks[i].forward(cur);
      if (cur !== x) cur.dispose();
      cur = next;
      onBlock?.(i, cur);
    }
    const out = tf.tidy(() => layerNorm(cur, this.norm) as tf.Tensor3D);
    if (cur !== x) cur.dispose();
    return out;
  }
}
