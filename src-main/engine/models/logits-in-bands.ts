/**
 * A net's logits over one input computed in horizontal bands of rows, each read with the net's receptive field
 * around it, so the result equals the one-piece forward: what a GPU that cannot hold a whole window's activations
 * still runs (scene windows retried smaller after an out-of-memory error, scene/window-model.ts).
 */
import * as tf from '@tensorflow/tfjs';
import type { SequentialNet } from './sequential-net.ts';

/** The rows [start, end) of the logits of `input` ([1, H, W, C]) as [1, end − start, W, 1]. */
function bandLogits(net: SequentialNet, input: tf.Tensor4D, start: number, end: number): tf.Tensor4D {
  const height = input.shape[1];
  const stride = net.stride;
  const halo = Math.ceil(net.receptiveRadius / stride) * stride;
  // the band starts on a multiple of the pooling stride, as the whole input does: same pooling windows
  const from = Math.max(0, Math.floor((start - halo) / stride) * stride);
  const to = Math.min(height, end + halo);
  return tf.tidy(() => {
    const logits = net.logits(tf.slice(input, [0, from, 0, 0], [-1, to - from, -1, -1]));
    return tf.slice(logits, [0, start - from, 0, 0], [-1, end - start, -1, -1]);
  });
}

/**
 * Logits of `input` ([B, H, W, C]) computed `rows` rows at a time (rounded up to the net's stride); `rows` ≥ H
 * is the plain forward. The caller owns the result.
 */
export function logitsInBands(net: SequentialNet, input: tf.Tensor4D, rows: number): tf.Tensor4D {
  const height = input.shape[1];
  const step = Math.max(net.stride, Math.ceil(rows / net.stride) * net.stride);
  if (step >= height) return net.logits(input);
  return tf.tidy(() => {
    const bands: tf.Tensor4D[] = [];
    for (let start = 0; start < height; start += step) bands.push(bandLogits(net, input, start, Math.min(height, start + step)));
    return tf.concat(bands, 1);
  });
}
