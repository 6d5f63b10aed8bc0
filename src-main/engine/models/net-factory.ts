import type { ModelKind } from '../../api/run.ts';
import { createFinetuneDecoder } from './finetune-decoder.ts';
import { createLinearProbe } from './linear-probe.ts';
import { createScratchNet } from './scratch-net.ts';
import type { SequentialNet } from './sequential-net.ts';

export interface NetShape {
  inputChannels: number;
  /** Input grid [height, width] (embeddings); null when unknown (scratch is fully convolutional). */
  inputGrid: [number, number] | null;
  /** Output pixels [height, width]; null when unknown. */
  outputSize: [number, number] | null;
  seed?: number;
}

/** The network of a run, from its kind and its input/output shapes. */
export function createNet(kind: ModelKind, shape: NetShape): SequentialNet {
  if (kind === 'scratch') return createScratchNet(shape.inputChannels, { seed: shape.seed });
  if (!shape.inputGrid || !shape.outputSize) throw new Error(`${kind} needs the embedding grid and the chip size`);
  const config = { embeddingChannels: shape.inputChannels, grid: shape.inputGrid, output: shape.outputSize };
  return kind === 'clay-decoder' ? createFinetuneDecoder(config, { seed: shape.seed }) : createLinearProbe(config, { seed: shape.seed });
}
