/**
 * The "from scratch" net of Clay's docs/model_finetuning.md, on the dataset's bands (13 for Clay v0):
 *
 *   encoder: Conv2d(C→64, 3, p1) · ReLU · Conv2d(64→64, 3, p1) · ReLU · MaxPool2d(2, 2)
 *   decoder: ConvT(64→128, 3, s1, p1) · ReLU · ConvT(128→512, 3, s1, p1) · ReLU · Upsample×2 ·
 *            Conv2d(512→1, 3, p1)
 *
 * Input height and width must be even (one 2× pool, one 2× upsample).
 */
import { conv, convT, maxPool, relu, upsample, type LayerSpec } from './layers.ts';
import { SequentialNet, type NetOptions } from './sequential-net.ts';

export function scratchNetLayers(inputChannels: number): { encoder: LayerSpec[]; decoder: LayerSpec[] } {
  return {
    encoder: [conv(inputChannels, 64, 3, 1), relu(), conv(64, 64, 3, 1), relu(), maxPool(2)],
    decoder: [convT(64, 128, 3, 1), relu(), convT(128, 512, 3, 1), relu(), upsample(2), conv(512, 1, 3, 1)],
  };
}

export function createScratchNet(inputChannels = 13, options?: NetOptions): SequentialNet {
  return new SequentialNet('scratch', inputChannels, scratchNetLayers(inputChannels), options);
}
