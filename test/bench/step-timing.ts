/** Timers and a synthetic batch for `npm run bench`: full training steps and inference of a net. */
import * as tf from '@tensorflow/tfjs';
import { Adam } from '../../src-main/engine/models/optimizer.ts';
import type { SequentialNet } from '../../src-main/engine/models/sequential-net.ts';
import { trainStep, type TrainBatch } from '../../src-main/engine/models/train-step.ts';

export interface StepTiming {
  /** Milliseconds per step after warm-up, one entry per timed step. */
  stepsMs: number[];
  medianMs: number;
  loss: number;
}

/**
 * Times full training steps (forward + backward + Adam, synchronised by reading the loss).
 * The first `warmup` steps (default 1) are not timed: they create XNNPACK operators and grow memory.
 */
export async function timeTrainStep(
  model: SequentialNet,
  batch: TrainBatch,
  options: { steps?: number; warmup?: number; lr?: number } = {},
): Promise<StepTiming> {
  const optimizer = new Adam(model.variables, { lr: options.lr ?? 1e-3 });
  try {
    let loss = NaN;
    for (let i = 0; i < (options.warmup ?? 1); i++) loss = (await trainStep(model, optimizer, batch)).loss;
    const stepsMs: number[] = [];
    for (let i = 0; i < (options.steps ?? 1); i++) {
      const start = performance.now();
      loss = (await trainStep(model, optimizer, batch)).loss;
      stepsMs.push(performance.now() - start);
    }
    const sorted = [...stepsMs].sort((a, b) => a - b);
    return { stepsMs, medianMs: sorted[Math.floor(sorted.length / 2)], loss };
  } finally {
    optimizer.dispose();
  }
}

/** Times inference (logits only), same conventions as timeTrainStep. */
export async function timeInference(
  model: SequentialNet,
  input: tf.Tensor4D,
  options: { steps?: number; warmup?: number } = {},
): Promise<{ stepsMs: number[]; medianMs: number }> {
  const once = async () => {
    const out = model.logits(input);
    await out.data();
    out.dispose();
  };
  for (let i = 0; i < (options.warmup ?? 1); i++) await once();
  const stepsMs: number[] = [];
  for (let i = 0; i < (options.steps ?? 1); i++) {
    const start = performance.now();
    await once();
    stepsMs.push(performance.now() - start);
  }
  const sorted = [...stepsMs].sort((a, b) => a - b);
  return { stepsMs, medianMs: sorted[Math.floor(sorted.length / 2)] };
}

/** A deterministic synthetic batch of the given NHWC input shape and label size, for benchmarks. */
export function syntheticBatch(inputShape: [number, number, number, number], labelSize: [number, number]): TrainBatch {
  return tf.tidy(() => {
    const [b, h, w, c] = inputShape;
    const input = tf.sin(tf.mul(tf.range(0, b * h * w * c, 1, 'float32'), 0.731)).reshape(inputShape) as tf.Tensor4D;
    const label = tf
      .greater(tf.sin(tf.mul(tf.range(0, b * labelSize[0] * labelSize[1], 1, 'float32'), 0.013)), 0)
      .cast('float32')
      .reshape([b, labelSize[0], labelSize[1], 1]) as tf.Tensor4D;
    return { input, label };
  });
}
