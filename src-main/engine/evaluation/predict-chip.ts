import * as tf from '@tensorflow/tfjs';
import type { SequentialNet } from '../models/sequential-net.ts';
import type { ModelSample } from '../training/training-source.ts';
import { toNhwc } from '../training/batches.ts';
import { maskFromProbabilities } from '../prediction/masks.ts';

export interface ChipPrediction {
  id: string;
  /** Water probability per pixel, [height, width]. */
  probabilities: Float32Array;
  /** 1 water, 0 not water, 255 where the input had no data. */
  mask: Uint8Array;
  /** Mean BCE-with-logits over the chip's valid pixels (null when none is valid). */
  loss: number | null;
}

export async function predictChip(net: SequentialNet, sample: ModelSample, threshold: number): Promise<ChipPrediction> {
  const { probabilities, loss } = tf.tidy(() => {
    const logits = net.logits(toNhwc([sample]));
    const [, h, w] = logits.shape;
    if (h !== sample.height || w !== sample.width) {
      throw new Error(`model output ${h}×${w} does not match chip ${sample.id} (${sample.height}×${sample.width})`);
    }
    const z = logits.reshape([h * w]);
    const y = tf.tensor1d(sample.label);
    const valid = tf.tensor1d(sample.valid);
    const perPixel = tf.add(tf.sub(tf.relu(z), tf.mul(z, y)), tf.log1p(tf.exp(tf.neg(tf.abs(z)))));
    return { probabilities: tf.sigmoid(z), loss: tf.sum(tf.mul(perPixel, valid)) };
  });
  const probabilityValues = (await probabilities.data()) as Float32Array;
  const lossSum = (await loss.data())[0];
  tf.dispose([probabilities, loss]);
  let validCount = 0;
  for (let i = 0; i < sample.valid.length; i++) validCount += sample.valid[i];
  return {
    id: sample.id,
    probabilities: probabilityValues,
    mask: maskFromProbabilities(probabilityValues, sample.inputValid, threshold),
    loss: validCount > 0 ? lossSum / validCount : null,
  };
}
