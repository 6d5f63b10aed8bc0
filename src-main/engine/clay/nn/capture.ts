import * as tf from '@tensorflow/tfjs-core';
import type { ArrayWithShape } from '../types.ts';

/**
 * Intermediate tensors kept for inspection (`forward(…, { capture: true })`): cloned when captured, since
 * the forward pass frees them right after, and read asynchronously at the end (WebGPU under Node has no
 * synchronous readback).
 */
export class TensorCapture {
  private readonly kept: { name: string; tensor: tf.Tensor }[] = [];

  constructor(private readonly enabled: boolean) {}

  readonly add = (name: string, t: tf.Tensor): void => {
    if (this.enabled) this.kept.push({ name, tensor: tf.keep(t.clone()) });
  };

  async readInto(out: Map<string, ArrayWithShape>): Promise<void> {
    for (const { name, tensor } of this.kept) out.set(name, { data: (await tensor.data()) as Float32Array, shape: tensor.shape.slice() });
  }

  dispose(): void {
    tf.dispose(this.kept.map((k) => k.tensor));
    this.kept.length = 0;
  }
}
