import * as tf from '@tensorflow/tfjs';
import type { SequentialNet } from '../models/sequential-net.ts';
import type { ModelSample } from '../inputs/training-source.ts';
import { toNhwc } from '../inputs/batches.ts';
import { maskFromProbabilities } from '../export/masks.ts';
import { bceWithLogits } from '../models/loss.ts';

export interface ChipPrediction {
  id: string;
  /** Water probability per pixel, [height, width]. */
  probabilities: Float32Array;
  /** 1 water, 0 not water, 255 where the input had no data. */
  mask: Uint8Array;
  /** Mean BCE-with-logits over the chip's valid pixels (null when none is valid, or the model has no logits). */
  loss: number | null;
}

/** Whatever turns a chip's model inputs into a water mask: a trained net, or a baseline that fits nothing. */
export interface ChipPredictor {
  predict(sample: ModelSample): Promise<ChipPrediction>;
  dispose(): void;
}

/** A trained net as a predictor: water where sigmoid(logit) > threshold. Disposing it disposes the net. */
export function netPredictor(net: SequentialNet, threshold: number, options: { ownsNet?: boolean } = {}): ChipPredictor {
  return {
    predict: (sample) => predictChip(net, sample, threshold),
    dispose: () => {
      if (options.ownsNet ?? true) net.dispose();
    },
  };
}

export async function predictChip(net: SequentialNet, sample: ModelSample, threshold: number): Promise<ChipPrediction> {
  const { probabilities, loss } = tf.tidy(() => {
    const logits = net.logits(toNhwc([sample]));
    const [, h, w] = logits.shape;
    if (h !== sample.height || w !== sample.width) {
      throw new Error(`model output ${h}×${w} does not match chip ${sample.id} (${sample.height}×${sample.width})`);
    }
    const z = logits.reshape([h * w]);
    return { probabilities: tf.sigmoid(z), loss: bceWithLogits(z, tf.tensor1d(sample.label), tf.tensor1d(sample.valid)) };
  });
  const probabilityValues = (await probabilities.data()) as Float32Array;
  const meanLoss = (await loss.data())[0];
  tf.dispose([probabilities, loss]);
  const anyValid = sample.valid.some((v) => v !== 0);
  return {
    id: sample.id,
    probabilities: probabilityValues,
    mask: maskFromProbabilities(probabilityValues, sample.inputValid, threshold),
    loss: anyValid ? meanLoss : null,
  };
}
