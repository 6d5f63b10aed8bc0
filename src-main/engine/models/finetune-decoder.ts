/**
 * The c2smsfloods finetune decoder on Clay patch embeddings [B, G·D, gh, gw] (4608 channels, 16×16
 * for Clay v0), as printed in Clay's docs/model_finetuning.md:
 *
 *   Conv2d(E→64, 1×1) · Upsample×2 · ConvT(64→32) · ReLU · Upsample×2 · ConvT(32→16) · ReLU ·
 *   Upsample×2 · ConvT(16→8) · ReLU · Upsample×2 · ConvT(8→1) · Upsample×2      (ConvT: 3×3, s1, p1)
 *
 * Other encoders: E = their embedding channels; the number of ×2 upsamplings is log2(output/grid).
 * The four ConvT stages each take one upsampling first (while any remain); any surplus upsamplings
 * go at the end, so 16×16 → 512 px gives exactly the layout (and state-dict indices) above.
 */
import { conv, convT, relu, upsample, type LayerSpec } from './layers.ts';
import { SequentialNet, type NetOptions } from './sequential-net.ts';

export const DECODER_CHANNELS = [64, 32, 16, 8, 1] as const;

export interface FinetuneDecoderConfig {
  /** Embedding channels, e.g. 4608 = 3 groups × 1536 for Clay v0... whatever the encoder gives. */
  embeddingChannels: number;
  /** Patch grid of the embeddings [height, width], e.g. [16, 16]. */
  grid: [number, number];
  /** Output pixels [height, width], e.g. [512, 512]. */
  output: [number, number];
}

/** log2(output/grid), the same on both axes and a whole number ≥ 1. */
export function upsamplingCount(grid: [number, number], output: [number, number]): number {
  const scales = [output[0] / grid[0], output[1] / grid[1]];
  const steps = scales.map((s) => Math.log2(s));
  if (steps[0] !== steps[1] || !Number.isInteger(steps[0]) || steps[0] < 1) {
    throw new Error(`finetune decoder: output ${output.join('×')} is not grid ${grid.join('×')} × a power of two (same on both axes)`);
  }
  return steps[0];
}

export function finetuneDecoderLayers(config: FinetuneDecoderConfig): LayerSpec[] {
  let remaining = upsamplingCount(config.grid, config.output);
  const layers: LayerSpec[] = [conv(config.embeddingChannels, DECODER_CHANNELS[0], 1, 0)];
  for (let stage = 1; stage < DECODER_CHANNELS.length; stage++) {
    if (remaining > 0) {
      layers.push(upsample(2));
      remaining--;
    }
    layers.push(convT(DECODER_CHANNELS[stage - 1], DECODER_CHANNELS[stage], 3, 1));
    if (stage < DECODER_CHANNELS.length - 1) layers.push(relu());
  }
  for (; remaining > 0; remaining--) layers.push(upsample(2));
  return layers;
}

export function createFinetuneDecoder(config: FinetuneDecoderConfig, options?: NetOptions): SequentialNet {
  return new SequentialNet('clay-decoder', config.embeddingChannels, { decoder: finetuneDecoderLayers(config) }, options);
}
