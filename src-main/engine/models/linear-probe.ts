/**
 * Linear probe head: one 1×1 Conv2d on the embeddings [B, E, gh, gw] → 1 channel, then a bilinear
 * upsample to pixels (PyTorch `F.interpolate(mode='bilinear', align_corners=False)`, i.e. half-pixel
 * centres). State-dict keys: `decoder.0.weight` [1, E, 1, 1], `decoder.0.bias` [1].
 */
import { conv, upsample } from './layers.ts';
import { upsamplingCount } from './finetune-decoder.ts';
import { SequentialNet, type NetOptions } from './sequential-net.ts';

export interface LinearProbeConfig {
  embeddingChannels: number;
  grid: [number, number];
  output: [number, number];
}

export function createLinearProbe(config: LinearProbeConfig, options?: NetOptions): SequentialNet {
  const scale = 2 ** upsamplingCount(config.grid, config.output);
  return new SequentialNet(
    'linear-probe',
    config.embeddingChannels,
    {
      decoder: [conv(config.embeddingChannels, 1, 1, 0), upsample(scale, 'bilinear')],
    },
    options,
  );
}
