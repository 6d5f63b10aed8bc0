import * as tf from '@tensorflow/tfjs';
import type { ModelSample } from './training-source.ts';

/** A batch as tensors: input NHWC, label and valid N×H×W×1 (pixel resolution). */
export interface TensorBatch {
  input: tf.Tensor4D;
  label: tf.Tensor4D;
  valid: tf.Tensor4D;
  size: number;
}

/** Channel-first planes → one NHWC tensor. */
export function toNhwc(samples: readonly Pick<ModelSample, 'input' | 'channels' | 'inputHeight' | 'inputWidth'>[]): tf.Tensor4D {
  const { channels, inputHeight: h, inputWidth: w } = samples[0];
  const plane = h * w;
  const data = new Float32Array(samples.length * plane * channels);
  samples.forEach((sample, n) => {
    const base = n * plane * channels;
    for (let c = 0; c < channels; c++) {
      const source = sample.input.subarray(c * plane, (c + 1) * plane);
      for (let i = 0; i < plane; i++) data[base + i * channels + c] = source[i];
    }
  });
  return tf.tensor4d(data, [samples.length, h, w, channels]);
}

export function toTensorBatch(samples: readonly ModelSample[]): TensorBatch {
  const { height, width } = samples[0];
  const plane = height * width;
  const label = new Float32Array(samples.length * plane);
  const valid = new Float32Array(samples.length * plane);
  samples.forEach((sample, n) => {
    label.set(sample.label, n * plane);
    valid.set(sample.valid, n * plane);
  });
  return {
    input: toNhwc(samples),
    label: tf.tensor4d(label, [samples.length, height, width, 1]),
    valid: tf.tensor4d(valid, [samples.length, height, width, 1]),
    size: samples.length,
  };
}

export function disposeBatch(batch: TensorBatch): void {
  tf.dispose([batch.input, batch.label, batch.valid]);
}

/** Groups consecutive samples of the same shape into batches of at most `batchSize`. */
export function* sameShapeBatches<T extends Pick<ModelSample, 'inputHeight' | 'inputWidth' | 'height' | 'width'>>(
  samples: Iterable<T>,
  batchSize: number,
): Generator<T[]> {
  let current: T[] = [];
  const key = (s: T) => `${s.inputHeight}x${s.inputWidth}/${s.height}x${s.width}`;
  for (const sample of samples) {
    if (current.length > 0 && (current.length >= batchSize || key(current[0]) !== key(sample))) {
      yield current;
      current = [];
    }
    current.push(sample);
  }
  if (current.length > 0) yield current;
}
