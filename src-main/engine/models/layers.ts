/**
 * The layer vocabulary of the seed networks, as PyTorch `nn.Sequential` entries, and how each one's
 * parameters map between PyTorch state-dict layout and the layout TensorFlow.js computes with.
 *
 * Weight layouts (variables hold the TensorFlow.js layout; state dicts hold PyTorch's):
 * - Conv2d           PyTorch [out, in, kh, kw]  →  tf.conv2d filter [kh, kw, in, out]  (permute 2,3,1,0).
 * - ConvTranspose2d  PyTorch [in, out, kh, kw]. With stride 1 and padding p it equals a Conv2d with
 *   padding k−1−p whose weight is in/out swapped and spatially flipped, so we store the equivalent
 *   conv filter: filter[i, j, in, out] = w[in, out, kh−1−i, kw−1−j]. Forward and backward then run
 *   through plain conv kernels (the fast ones on wasm). Only stride 1 is supported (all the seed uses).
 * - Bias [out] is the same in both.
 */
export type LayerSpec =
  | { type: 'conv'; inChannels: number; outChannels: number; kernel: number; padding: number }
  | { type: 'convT'; inChannels: number; outChannels: number; kernel: number; padding: number }
  | { type: 'relu' }
  | { type: 'maxPool'; size: number }
  | { type: 'upsample'; scale: number; mode: 'nearest' | 'bilinear' };

export const conv = (inChannels: number, outChannels: number, kernel = 3, padding = (kernel - 1) / 2): LayerSpec => ({
  type: 'conv',
  inChannels,
  outChannels,
  kernel,
  padding,
});
export const convT = (inChannels: number, outChannels: number, kernel = 3, padding = 1): LayerSpec => ({
  type: 'convT',
  inChannels,
  outChannels,
  kernel,
  padding,
});
export const relu = (): LayerSpec => ({ type: 'relu' });
export const maxPool = (size = 2): LayerSpec => ({ type: 'maxPool', size });
export const upsample = (scale = 2, mode: 'nearest' | 'bilinear' = 'nearest'): LayerSpec => ({ type: 'upsample', scale, mode });

export type ConvSpec = Extract<LayerSpec, { type: 'conv' | 'convT' }>;

export function isConv(spec: LayerSpec): spec is ConvSpec {
  return spec.type === 'conv' || spec.type === 'convT';
}

/** PyTorch's own repr, so a model printout reads like the paper's table. */
export function describeLayer(spec: LayerSpec): string {
  switch (spec.type) {
    case 'conv':
      return `Conv2d(${spec.inChannels}, ${spec.outChannels}, kernel_size=${spec.kernel}, padding=${spec.padding})`;
    case 'convT':
      return `ConvTranspose2d(${spec.inChannels}, ${spec.outChannels}, kernel_size=${spec.kernel}, stride=1, padding=${spec.padding})`;
    case 'relu':
      return 'ReLU()';
    case 'maxPool':
      return `MaxPool2d(${spec.size}, ${spec.size})`;
    case 'upsample':
      return `Upsample(scale_factor=${spec.scale}, mode=${spec.mode})`;
  }
}

export function torchWeightShape(spec: ConvSpec): number[] {
  return spec.type === 'conv'
    ? [spec.outChannels, spec.inChannels, spec.kernel, spec.kernel]
    : [spec.inChannels, spec.outChannels, spec.kernel, spec.kernel];
}

export function tfFilterShape(spec: ConvSpec): [number, number, number, number] {
  return [spec.kernel, spec.kernel, spec.inChannels, spec.outChannels];
}

/** Padding of the conv that actually runs: ConvTranspose2d(p) is a conv with padding k−1−p. */
export function effectivePadding(spec: ConvSpec): number {
  return spec.type === 'conv' ? spec.padding : spec.kernel - 1 - spec.padding;
}

/** PyTorch state-dict weight (C order) → TensorFlow.js filter values [kh, kw, in, out]. */
export function filterFromTorch(spec: ConvSpec, torch: Float32Array): Float32Array {
  const { kernel: k, inChannels: cin, outChannels: cout } = spec;
  const out = new Float32Array(torch.length);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      for (let ci = 0; ci < cin; ci++) {
        for (let co = 0; co < cout; co++) {
          const source = spec.type === 'conv' ? ((co * cin + ci) * k + i) * k + j : ((ci * cout + co) * k + (k - 1 - i)) * k + (k - 1 - j);
          out[((i * k + j) * cin + ci) * cout + co] = torch[source];
        }
      }
    }
  }
  return out;
}

/** Inverse of filterFromTorch. */
export function filterToTorch(spec: ConvSpec, filter: Float32Array): Float32Array {
  const { kernel: k, inChannels: cin, outChannels: cout } = spec;
  const out = new Float32Array(filter.length);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      for (let ci = 0; ci < cin; ci++) {
        for (let co = 0; co < cout; co++) {
          const target = spec.type === 'conv' ? ((co * cin + ci) * k + i) * k + j : ((ci * cout + co) * k + (k - 1 - i)) * k + (k - 1 - j);
          out[target] = filter[((i * k + j) * cin + ci) * cout + co];
        }
      }
    }
  }
  return out;
}

/**
 * PyTorch's default init (kaiming_uniform with a=√5 for the weight, and the bias): U(−b, b) with
 * b = 1/√fan_in, where fan_in is taken from the PyTorch weight tensor's dim 1 × kh × kw
 * (so for ConvTranspose2d it is out_channels × k²).
 */
export function initBound(spec: ConvSpec): number {
  const fanIn = torchWeightShape(spec)[1] * spec.kernel * spec.kernel;
  return 1 / Math.sqrt(fanIn);
}
