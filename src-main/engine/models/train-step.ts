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

/**
 * One Adam step on `batch`, its gradients computed `chunk` samples at a time (fewer buffers on a GPU) and
 * summed with the weights the whole batch's loss gives them, so the step equals the one-piece step: the loss
 * is a mean over valid pixels, so chunk k weighs max(Vₖ, 1) / max(V, 1) (all-valid: nₖ / n).
 */
export async function trainStep(model: SequentialNet, optimizer: Adam, batch: TrainBatch, chunk = Infinity): Promise<StepResult> {
  const size = batch.input.shape[0];
  if (chunk >= size) {
    const { loss, grads } = lossAndGradients(model, batch);
    try {
      optimizer.apply(grads);
      return { loss: (await loss.data())[0] };
    } finally {
      loss.dispose();
      for (const g of grads.values()) g.dispose();
    }
  }
  const sums = new Map<string, tf.Tensor>();
  let lossSum: tf.Tensor = tf.scalar(0);
  try {
    for (let start = 0; start < size; start += chunk) {
      const part = sliceBatch(batch, start, Math.min(chunk, size - start));
      const { loss, grads } = lossAndGradients(model, part);
      const weight = tf.tidy(() => chunkWeight(batch, part));
      const add = (total: tf.Tensor | undefined, term: tf.Tensor) =>
        tf.tidy(() => (total ? tf.add(total, tf.mul(term, weight)) : tf.mul(term, weight)));
      for (const [key, g] of grads) {
        const previous = sums.get(key);
        sums.set(key, add(previous, g));
        previous?.dispose();
      }
      const previousLoss = lossSum;
      lossSum = add(lossSum, loss);
      tf.dispose([previousLoss, loss, weight, ...grads.values(), part.input, part.label, ...(part.valid ? [part.valid] : [])]);
    }
    optimizer.apply(sums);
    return { loss: (await lossSum.data())[0] };
  } finally {
    lossSum.dispose();
    for (const g of sums.values()) g.dispose();
  }
}

function sliceBatch(batch: TrainBatch, start: number, count: number): TrainBatch {
  const rows = (t: tf.Tensor4D) => tf.slice(t, [start, 0, 0, 0], [count, -1, -1, -1]);
  return { ...batch, input: rows(batch.input), label: rows(batch.label), valid: batch.valid ? rows(batch.valid) : undefined };
}

function chunkWeight(batch: TrainBatch, part: TrainBatch): tf.Scalar {
  if (!batch.valid || !part.valid) return tf.scalar(part.input.shape[0] / batch.input.shape[0]);
  return tf.div(tf.maximum(tf.sum(part.valid), 1), tf.maximum(tf.sum(batch.valid), 1));
}
