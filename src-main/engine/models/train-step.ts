/** One training step: forward, masked BCE, backward, Adam. */
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
  const { value, grads } = tf.variableGrads(
    () => bceWithLogits(model.logits(batch.input), batch.label, batch.valid, batch.posWeight),
    variables,
  );
  const byKey = new Map<string, tf.Tensor>();
  for (const [key, variable] of model.variables) byKey.set(key, grads[variable.name]);
  return { loss: value, grads: byKey };
}

export async function trainStep(model: SequentialNet, optimizer: Adam, batch: TrainBatch): Promise<StepResult> {
  const { loss, grads } = lossAndGradients(model, batch);
  try {
    optimizer.apply(grads);
    return { loss: (await loss.data())[0] };
  } finally {
    loss.dispose();
    for (const g of grads.values()) g.dispose();
  }
}
