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

/** A loss and its gradients, keyed by state-dict name (variable layout). */
export interface LossAndGradients {
  loss: tf.Scalar;
  grads: Map<string, tf.Tensor>;
}

/**
 * The loss and gradients of each part of a batch, yielded in part order (wherever they are computed: this
 * thread, or gradient workers). The consumer disposes what it receives.
 */
export type PartGradients = (parts: readonly TrainBatch[]) => AsyncIterable<LossAndGradients>;

/** Gradients of the loss w.r.t. every variable, keyed by state-dict name. Caller disposes them. */
export function lossAndGradients(model: SequentialNet, batch: TrainBatch): LossAndGradients {
  const variables = [...model.variables.values()];
  const { value, grads } = tf.variableGrads(
    () => bceWithLogits(model.logits(batch.input), batch.label, batch.valid, batch.posWeight),
    variables,
  );
  const byKey = new Map<string, tf.Tensor>();
  for (const [key, variable] of model.variables) byKey.set(key, grads[variable.name]);
  return { loss: value, grads: byKey };
}

/** Every part computed here, one at a time (only one part's activations live at once). */
export const localGradients = (model: SequentialNet): PartGradients =>
  async function* (parts) {
    for (const part of parts) yield lossAndGradients(model, part);
  };

/**
 * One Adam step on `batch`, its gradients computed `chunk` samples at a time (fewer buffers on a GPU; one sample
 * per part for data-parallel training) and summed in part order with the weights the whole batch's loss gives
 * them, so the step equals the one-piece step: the loss is a mean over valid pixels, so chunk k weighs
 * max(Vₖ, 1) / max(V, 1) (all-valid: nₖ / n). `gradients` says where parts are computed; the sum is the same
 * float operations in the same order wherever that is, so the step is bit for bit the same.
 */
export async function trainStep(
  model: SequentialNet,
  optimizer: Adam,
  batch: TrainBatch,
  chunk = Infinity,
  gradients: PartGradients = localGradients(model),
): Promise<StepResult> {
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
  const parts: TrainBatch[] = [];
  for (let start = 0; start < size; start += chunk) parts.push(sliceBatch(batch, start, Math.min(chunk, size - start)));
  const sums = new Map<string, tf.Tensor>();
  let lossSum: tf.Tensor = tf.scalar(0);
  try {
    let index = 0;
    for await (const { loss, grads } of gradients(parts)) {
      const weight = tf.tidy(() => chunkWeight(batch, parts[index++]));
      const add = (total: tf.Tensor | undefined, term: tf.Tensor) =>
        tf.tidy(() => (total ? tf.add(total, tf.mul(term, weight)) : tf.mul(term, weight)));
      for (const [key, g] of grads) {
        const previous = sums.get(key);
        sums.set(key, add(previous, g));
        previous?.dispose();
      }
      const previousLoss = lossSum;
      lossSum = add(lossSum, loss);
      tf.dispose([previousLoss, loss, weight, ...grads.values()]);
    }
    if (index !== parts.length) throw new Error(`gradients of ${index} of the batch's ${parts.length} parts arrived`);
    optimizer.apply(sums);
    return { loss: (await lossSum.data())[0] };
  } finally {
    lossSum.dispose();
    for (const g of sums.values()) g.dispose();
    for (const part of parts) tf.dispose([part.input, part.label, ...(part.valid ? [part.valid] : [])]);
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
