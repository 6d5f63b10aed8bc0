/** Typed access to a Clay encoder's tensors, turned into tfjs tensors with their shapes checked. */
import * as tf from '@tensorflow/tfjs-core';
import { ClayError } from './errors.ts';
import type { LayerNormParams, LinearParams } from './nn/layers.ts';
import type { TensorRecord } from '../compute/tensor-record.ts';

/**
 * Hands out the encoder's weights (keys relative to the encoder prefix, e.g. `transformer.norm.weight`)
 * as tf tensors it owns; `dispose()` frees them all.
 */
export class EncoderWeights {
  private readonly owned: tf.Tensor[] = [];
  /**
   * `consume`: delete each source entry once it became a tf tensor, so a large checkpoint's float32
   * arrays can be garbage-collected while the encoder is built (peak memory ≈ one copy of the weights).
   */
  constructor(
    private readonly source: Map<string, TensorRecord>,
    private readonly prefix: string,
    private readonly file?: string,
    private readonly consume = false,
  ) {}

  private consumed(key: string): void {
    if (this.consume) this.source.delete(this.prefix + key);
  }

  shape(key: string): number[] {
    return this.raw(key).shape;
  }

  has(key: string): boolean {
    return this.source.has(this.prefix + key);
  }

  raw(key: string, expectedShape?: number[]): TensorRecord {
    const full = this.prefix + key;
    const t = this.source.get(full);
    if (!t) throw new ClayError(`missing tensor ${full} needed by the Clay encoder`, this.file);
    if (expectedShape && !sameShape(t.shape, expectedShape)) {
      throw new ClayError(`tensor ${full} has shape [${t.shape}], expected [${expectedShape}]`, this.file);
    }
    return t;
  }

  tensor(key: string, expectedShape?: number[], asShape?: number[]): tf.Tensor {
    const t = this.raw(key, expectedShape);
    const out = tf.tensor(t.data, asShape ?? t.shape, 'float32');
    this.owned.push(out);
    this.consumed(key);
    return out;
  }

  vector(key: string, length: number): tf.Tensor1D {
    return this.tensor(key, [length]) as tf.Tensor1D;
  }

  matrix(key: string, rows: number, cols: number): tf.Tensor2D {
    return this.tensor(key, [rows, cols]) as tf.Tensor2D;
  }

  /**
   * A torch Linear at `key` (`key.weight` [out, in], optional `key.bias` [out]), its weight transposed
   * once here to [in, out] for the fast matmul path. `bias`: 'required' | 'none' | 'optional'.
   */
  linear(key: string, outDim: number, inDim: number, bias: 'required' | 'none' | 'optional' = 'required'): LinearParams {
    return this.linearFrom(
      `${key}.weight`,
      [outDim, inDim],
      bias === 'none' || (bias === 'optional' && !this.has(`${key}.bias`)) ? undefined : `${key}.bias`,
    );
  }

  /** Like linear() for a weight whose checkpoint shape is not 2-D (e.g. a conv kernel used as a matrix). */
  linearFrom(weightKey: string, weightShape: number[], biasKey?: string): LinearParams {
    const raw = this.raw(weightKey, weightShape);
    const outDim = weightShape[0];
    const inDim = raw.data.length / outDim;
    const weightT = tf.tidy(() => tf.transpose(tf.tensor2d(raw.data, [outDim, inDim]))) as tf.Tensor2D;
    this.owned.push(weightT);
    this.consumed(weightKey);
    return { weightT, bias: biasKey ? this.vector(biasKey, outDim) : undefined };
  }

  layerNorm(key: string, dim: number): LayerNormParams {
    return { weight: this.vector(`${key}.weight`, dim), bias: this.vector(`${key}.bias`, dim) };
  }

  /** Keep a tensor made from these weights (e.g. a precomputed table) alive until dispose(). */
  keep<T extends tf.Tensor>(t: T): T {
    this.owned.push(t);
    return t;
  }

  dispose(): void {
    for (const t of this.owned) t.dispose();
    this.owned.length = 0;
  }
}

function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
