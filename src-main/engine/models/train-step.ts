/** One training step (forward, masked BCE, backward, Adam) and a timer for `npm run bench`. */
import * as tf from '@tensorflow/tfjs';
import { bceWithLogits } from './loss.ts';
import { Adam } from './optimizer.ts';
import type { SequentialNet } from './sequential-net.ts';

export interface TrainBatch {
  /** NHWC network input. */
  input: tf.Tensor4D;
  /** NHWC labels 0/1, [B, H, W, 1] at the logits' resolution. */
  label: tf.Tensor4D;
  /** 1 where the label is valid; omitted = all valid. */
  valid?: tf.Tensor4D;
  /** Weight of water pixels in the loss (1 = plain BCE). */
  posWeight?: number;
}

export interface StepResult {
  loss: number;
}

/** Gradients of the loss w.r.t. every variable, keyed by state-dict name. Caller disposes them. */
export function lossAndGradients(model: SequentialNet, batch: TrainBatch): { loss: tf.Scalar; grads: Map<string, tf.Tensor> } {
  const variables = [...model.variables.values()];
  const { value, grads } = tf.variableGrads(() => bceWithLogits(model.logits(batch.input), batch.label, batch.valid, batch.posWeight), variables);
  const byKey = new Map<string, tf.Tensor>();
  for (const [key, variable] of model.variables) byKey.set(key, grads[variable.name]);
  return { loss: value, grads: byKey };
}

export function trainStep(model: SequentialNet, optimizer: Adam, batch: TrainBatch): StepResult {
  const { loss, grads } = lossAndGradients(model, batch);
  try {
    optimizer.apply(grads);
    return { loss: loss.dataSync()[0] };
  } finally {
    loss.dispose();
    for (const g of grads.values()) g.dispose();
  }
}

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
export function timeTrainStep(model: SequentialNet, batch: TrainBatch, options: { steps?: number; warmup?: number; lr?: number } = {}): StepTiming {
  const optimizer = new Adam(model.variables, { lr: options.lr ?? 1e-3 });
  try {
    let loss = NaN;
    for (let i = 0; i < (options.warmup ?? 1); i++) loss = trainStep(model, optimizer, batch).loss;
    const stepsMs: number[] = [];
    for (let i = 0; i < (options.steps ?? 1); i++) {
      const start = performance.now();
      loss = trainStep(model, optimizer, batch).loss;
      stepsMs.push(performance.now() - start);
    }
    const sorted = [...stepsMs].sort((a, b) => a - b);
    return { stepsMs, medianMs: sorted[Math.floor(sorted.length / 2)], loss };
  } finally {
    optimizer.dispose();
  }
}

/** Times inference (logits only), same conventions as timeTrainStep. */
export function timeInference(model: SequentialNet, input: tf.Tensor4D, options: { steps?: number; warmup?: number } = {}): { stepsMs: number[]; medianMs: number } {
  const once = () => {
    const out = model.logits(input);
    out.dataSync();
    out.dispose();
  };
  for (let i = 0; i < (options.warmup ?? 1); i++) once();
  const stepsMs: number[] = [];
  for (let i = 0; i < (options.steps ?? 1); i++) {
    const start = performance.now();
    once();
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
    const label = tf.greater(tf.sin(tf.mul(tf.range(0, b * labelSize[0] * labelSize[1], 1, 'float32'), 0.013)), 0)
      .cast('float32').reshape([b, labelSize[0], labelSize[1], 1]) as tf.Tensor4D;
    return { input, label };
  });
}
