import type { SeededRandom } from './seeded-random.ts';

/** A training sample in channel-first layout: `pixels` [C,H,W], `label` and `valid` [H,W] (1/0). */
export interface Sample {
  channels: number;
  height: number;
  width: number;
  pixels: Float32Array;
  label: Float32Array;
  valid: Float32Array;
}

/** A geometric transform applied identically to pixels, label and valid mask. */
export interface Transform {
  /** Top-left corner and size of the crop. */
  cropX: number;
  cropY: number;
  size: { width: number; height: number };
  flipX: boolean;
  flipY: boolean;
  /** Quarter turns counter-clockwise (only for square outputs). */
  quarterTurns: 0 | 1 | 2 | 3;
}

export interface AugmentOptions {
  /** Square crop edge; null keeps the full chip. */
  cropSize: number | null;
  /** Random flips and quarter turns. */
  flipsAndRotations: boolean;
  /**
   * Share of crops centred on a random labelled-water pixel (when the chip has one); the rest are
   * uniform. Flood water is often a few percent of a chip: uniform crops alone teach "never water".
   */
  waterCropShare?: number;
}

/** A crop corner that puts pixel `index` inside a `size` window, as central as the chip allows. */
function cornerAround(index: number, sampleWidth: number, sampleHeight: number, width: number, height: number): [number, number] {
  const x = index % sampleWidth;
  const y = Math.floor(index / sampleWidth);
  const clamp = (v: number, max: number) => Math.min(Math.max(v, 0), max);
  return [clamp(x - Math.floor(width / 2), sampleWidth - width), clamp(y - Math.floor(height / 2), sampleHeight - height)];
}

/** Indices of valid water pixels: candidate crop centres. */
export function waterPixelIndices(sample: Pick<Sample, 'label' | 'valid'>): Int32Array {
  let count = 0;
  for (let i = 0; i < sample.label.length; i++) if (sample.label[i] === 1 && sample.valid[i] === 1) count++;
  const indices = new Int32Array(count);
  for (let i = 0, k = 0; i < sample.label.length; i++) if (sample.label[i] === 1 && sample.valid[i] === 1) indices[k++] = i;
  return indices;
}

export function drawTransform(
  sample: Pick<Sample, 'width' | 'height'>,
  options: AugmentOptions,
  random: SeededRandom,
  waterPixels?: Int32Array,
): Transform {
  const width = options.cropSize ? Math.min(options.cropSize, sample.width) : sample.width;
  const height = options.cropSize ? Math.min(options.cropSize, sample.height) : sample.height;
  let cropX = random.int(sample.width - width + 1);
  let cropY = random.int(sample.height - height + 1);
  const cropped = width < sample.width || height < sample.height;
  if (cropped && waterPixels && waterPixels.length > 0 && random.next() < (options.waterCropShare ?? 0)) {
    [cropX, cropY] = cornerAround(waterPixels[random.int(waterPixels.length)], sample.width, sample.height, width, height);
  }
  if (!options.flipsAndRotations) return { cropX, cropY, size: { width, height }, flipX: false, flipY: false, quarterTurns: 0 };
  const flipX = random.next() < 0.5;
  const flipY = random.next() < 0.5;
  const quarterTurns = (width === height ? random.int(4) : 0) as Transform['quarterTurns'];
  return { cropX, cropY, size: { width, height }, flipX, flipY, quarterTurns };
}

/** Where output pixel (x, y) reads from in the source plane. */
function sourceIndexer(transform: Transform, sourceWidth: number): (x: number, y: number) => number {
  const { width, height } = transform.size;
  return (x, y) => {
    let u = x;
    let v = y;
    for (let t = 0; t < transform.quarterTurns; t++) [u, v] = [width - 1 - v, u];
    if (transform.flipX) u = width - 1 - u;
    if (transform.flipY) v = height - 1 - v;
    return (transform.cropY + v) * sourceWidth + transform.cropX + u;
  };
}

export function applyTransform(sample: Sample, transform: Transform): Sample {
  const { width, height } = transform.size;
  const plane = width * height;
  const sourcePlane = sample.width * sample.height;
  const index = sourceIndexer(transform, sample.width);
  const lookup = new Int32Array(plane);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) lookup[y * width + x] = index(x, y);

  const pixels = new Float32Array(sample.channels * plane);
  for (let c = 0; c < sample.channels; c++) {
    const from = c * sourcePlane;
    const to = c * plane;
    for (let i = 0; i < plane; i++) pixels[to + i] = sample.pixels[from + lookup[i]];
  }
  const label = new Float32Array(plane);
  const valid = new Float32Array(plane);
  for (let i = 0; i < plane; i++) {
    label[i] = sample.label[lookup[i]];
    valid[i] = sample.valid[lookup[i]];
  }
  return { channels: sample.channels, width, height, pixels, label, valid };
}
