/**
 * Stateless tensor building blocks shared by the Clay encoders (inference only, float32).
 * Written for speed on tfjs-backend-wasm: only plain 2-D matmuls without transposition reach
 * XNNPACK (~25 GFLOP/s here); transposed or batched (rank > 2) matmuls take a ~10× slower path.
 */
import * as tf from '@tensorflow/tfjs-core';

/** torch `nn.Linear` with its weight stored transposed, [in, out], so y = x·weightT + b. */
export interface LinearParams {
  weightT: tf.Tensor2D;
  bias?: tf.Tensor1D;
}

/** y = x·Wᵀ + b over the last axis of x ([..., in] → [..., out]). */
export function linear(x: tf.Tensor, p: LinearParams): tf.Tensor {
  const [inDim, outDim] = p.weightT.shape;
  let y: tf.Tensor = tf.matMul(tf.reshape(x, [-1, inDim]) as tf.Tensor2D, p.weightT);
  if (p.bias) y = tf.add(y, p.bias);
  return tf.reshape(y, [...x.shape.slice(0, -1), outDim]);
}

export interface LayerNormParams {
  weight: tf.Tensor1D;
  bias: tf.Tensor1D;
}

/** torch `nn.LayerNorm` over the last axis (biased variance); eps 1e-5 as in every Clay LayerNorm. */
export function layerNorm(x: tf.Tensor, p: LayerNormParams, eps = 1e-5): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  const normed = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps)));
  return tf.add(tf.mul(normed, p.weight), p.bias);
}

/** torch `nn.GELU()` / `F.gelu` default: the exact erf form, 0.5·x·(1 + erf(x/√2)). */
export function gelu(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1));
}

/**
 * Multi-head attention core on head-major packed q, k, v ([B, N, heads·dimHead] each, as after
 * `chunk(3)` and before `b n (h d) -> b h n d`): softmax(q·kᵀ·dimHead^-0.5)·v per head, heads
 * concatenated back to [B, N, heads·dimHead]. One pair of plain 2-D matmuls per (sample, head);
 * the scale is applied to q (N·d products instead of N²), which changes results only by rounding.
 */
export function multiHeadAttention(q: tf.Tensor3D, k: tf.Tensor3D, v: tf.Tensor3D, heads: number): tf.Tensor3D {
  const [b, n, inner] = q.shape;
  const m = k.shape[1];
  const scale = (inner / heads) ** -0.5;
  return tf.tidy(() => {
    const samples: tf.Tensor2D[] = [];
    for (let s = 0; s < b; s++) {
      const sample = (t: tf.Tensor3D, rows: number) => tf.reshape(tf.slice(t, [s, 0, 0], [1, rows, inner]), [rows, inner]) as tf.Tensor2D;
      const qs = tf.split(tf.mul(sample(q, n), scale), heads, 1);
      const kts = tf.split(tf.transpose(sample(k, m)), heads, 0);
      const vs = tf.split(sample(v, m), heads, 1);
      const outs = qs.map((qh, h) =>
        tf.tidy(() => tf.matMul(tf.softmax(tf.matMul(qh as tf.Tensor2D, kts[h] as tf.Tensor2D), -1) as tf.Tensor2D, vs[h] as tf.Tensor2D)),
      );
      samples.push(tf.concat(outs, 1) as tf.Tensor2D);
    }
    return tf.stack(samples) as tf.Tensor3D;
  });
}
