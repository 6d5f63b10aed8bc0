import * as tf from '@tensorflow/tfjs';

/**
 * Binary cross-entropy with logits, mean over valid pixels:
 *   Σ valid·(max(z,0) − z·y + log(1 + e^−|z|)) / Σ valid
 * (PyTorch `binary_cross_entropy_with_logits`, reduction 'mean', when every pixel is valid).
 * `valid` is 1/0 per pixel (label not nodata); omitted = all valid. No valid pixel → loss 0.
 * `posWeight` weighs water pixels' terms as PyTorch's `pos_weight` does (for 0/1 labels the term is
 * multiplied by 1 + (posWeight − 1)·y); 1 = plain BCE.
 */
export function bceWithLogits(logits: tf.Tensor, labels: tf.Tensor, valid?: tf.Tensor, posWeight = 1): tf.Scalar {
  return tf.tidy(() => {
    let perPixel = tf.add(tf.sub(tf.relu(logits), tf.mul(logits, labels)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))));
    if (posWeight !== 1) perPixel = tf.mul(perPixel, tf.add(tf.mul(labels, posWeight - 1), 1));
    if (!valid) return tf.div(sumInTwoStages(perPixel), perPixel.size) as tf.Scalar;
    return tf.div(sumInTwoStages(tf.mul(perPixel, valid)), tf.maximum(tf.sum(valid), 1)) as tf.Scalar;
  });
}

/**
 * Sums rows first, then the row sums: a single float32 running sum over 512² pixels drifts by ~1e-5
 * relative (seen against PyTorch's loss); two stages keep it near 1e-7.
 */
function sumInTwoStages(t: tf.Tensor): tf.Scalar {
  return t.rank >= 2 ? tf.sum(tf.sum(t, t.rank - 2)) : tf.sum(t);
}

/** Prediction rule: water where sigmoid(z) > threshold, i.e. z > logit(threshold). */
export function predictMask(logits: tf.Tensor, threshold = 0.5): tf.Tensor {
  if (!(threshold > 0 && threshold < 1)) throw new Error(`threshold must be in (0, 1), got ${threshold}`);
  return tf.tidy(() => tf.greater(logits, Math.log(threshold / (1 - threshold))));
}
