/**
 * Adam exactly as `torch.optim.Adam` (1.13, foreach=False, no weight decay, no amsgrad) computes it:
 *   m ← β1·m + (1−β1)·g
 *   v ← β2·v + (1−β2)·g²
 *   p ← p − (lr / (1−β1^t)) · m / (√v / √(1−β2^t) + ε)
 * Bias corrections are float64 scalars, as in PyTorch; tensor arithmetic is float32.
 */
import * as tf from '@tensorflow/tfjs';
import type { StateDict } from './sequential-net.ts';

export interface AdamOptions {
  lr?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
}

export class Adam {
  /** Learning rate of the next step (a schedule may change it between steps). */
  lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  /** Steps taken so far. */
  step = 0;
  private readonly moments = new Map<string, { m: tf.Variable; v: tf.Variable }>();

  constructor(
    private readonly params: ReadonlyMap<string, tf.Variable>,
    options: AdamOptions = {},
  ) {
    this.lr = options.lr ?? 1e-3;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.eps = options.eps ?? 1e-8;
    for (const [key, p] of params) {
      // tidy frees the zero tensors; variables survive it.
      this.moments.set(
        key,
        tf.tidy(() => ({ m: tf.variable(tf.zerosLike(p), false), v: tf.variable(tf.zerosLike(p), false) })),
      );
    }
  }

  /** One update from gradients keyed like the params (every param needs one). Disposes nothing of the caller's. */
  apply(grads: ReadonlyMap<string, tf.Tensor> | Record<string, tf.Tensor>): void {
    const lookup = (key: string) => (grads instanceof Map ? grads.get(key) : (grads as Record<string, tf.Tensor>)[key]);
    this.step++;
    const t = this.step;
    const stepSize = this.lr / (1 - this.beta1 ** t);
    const bias2Sqrt = Math.sqrt(1 - this.beta2 ** t);
    tf.tidy(() => {
      for (const [key, p] of this.params) {
        const g = lookup(key);
        if (!g) throw new Error(`Adam: no gradient for ${key}`);
        const { m, v } = this.moments.get(key)!;
        m.assign(tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1)));
        v.assign(tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2)));
        const denom = tf.add(tf.div(tf.sqrt(v), bias2Sqrt), this.eps);
        p.assign(tf.sub(p, tf.mul(tf.div(m, denom), stepSize)));
      }
    });
  }

  /** Optimizer state for checkpoints: `<key>.exp_avg`, `<key>.exp_avg_sq` (param layout) and `step`. */
  async state(): Promise<StateDict> {
    const out: StateDict = new Map();
    out.set('step', { shape: [], data: Float32Array.of(this.step) });
    for (const [key, { m, v }] of this.moments) {
      out.set(`${key}.exp_avg`, { shape: m.shape, data: Float32Array.from((await m.data()) as Float32Array) });
      out.set(`${key}.exp_avg_sq`, { shape: v.shape, data: Float32Array.from((await v.data()) as Float32Array) });
    }
    return out;
  }

  loadState(state: StateDict): void {
    const step = state.get('step');
    if (!step || step.data.length !== 1) throw new Error('Adam state: missing step');
    for (const [key, { m, v }] of this.moments) {
      for (const [suffix, variable] of [
        ['exp_avg', m],
        ['exp_avg_sq', v],
      ] as const) {
        const tensor = state.get(`${key}.${suffix}`);
        if (!tensor || tensor.data.length !== variable.size) throw new Error(`Adam state: ${key}.${suffix} missing or wrong size`);
        tf.tidy(() => variable.assign(tf.tensor(tensor.data, variable.shape)));
      }
    }
    this.step = step.data[0];
  }

  dispose(): void {
    for (const { m, v } of this.moments.values()) {
      m.dispose();
      v.dispose();
    }
  }
}
