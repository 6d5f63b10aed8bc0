/**
 * Validation on fixed crops of the validation chips: a full 512² chip costs as much as ~16 training crops
 * of 128² on a CPU, so validating whole chips every epoch would eat a time budget. The crops are drawn
 * once per chip (seeded by the chip id), uniformly — not water-centred — so they score like whole chips.
 */
import type { ModelSample } from './training-source.ts';
import { hashString, SeededRandom } from './seeded-random.ts';

function cropPlane<T extends Float32Array | Uint8Array>(plane: T, width: number, x: number, y: number, size: number): T {
  const out = new (plane.constructor as new (n: number) => T)(size * size);
  for (let row = 0; row < size; row++) out.set(plane.subarray((y + row) * width + x, (y + row) * width + x + size), row * size);
  return out;
}

/** `count` crops of `size`² of a pixel sample (input at pixel resolution), at corners fixed by the chip id and seed. */
export function validationCrops(sample: ModelSample, size: number, count: number, seed: number): ModelSample[] {
  if (sample.inputHeight !== sample.height || sample.inputWidth !== sample.width) return [sample];
  if (size >= sample.width && size >= sample.height) return [sample];
  const edge = Math.min(size, sample.width, sample.height);
  const random = new SeededRandom(hashString(sample.id, seed));
  const plane = sample.width * sample.height;
  return Array.from({ length: count }, (_, k) => {
    const x = random.int(sample.width - edge + 1);
    const y = random.int(sample.height - edge + 1);
    const input = new Float32Array(sample.channels * edge * edge);
    for (let c = 0; c < sample.channels; c++)
      input.set(cropPlane(sample.input.subarray(c * plane, (c + 1) * plane), sample.width, x, y, edge), c * edge * edge);
    return {
      id: `${sample.id}#${k}`,
      input,
      channels: sample.channels,
      inputHeight: edge,
      inputWidth: edge,
      label: cropPlane(sample.label, sample.width, x, y, edge),
      valid: cropPlane(sample.valid, sample.width, x, y, edge),
      inputValid: cropPlane(sample.inputValid, sample.width, x, y, edge),
      labelValid: cropPlane(sample.labelValid, sample.width, x, y, edge),
      height: edge,
      width: edge,
    };
  });
}
