import type { CanonicalBand, ChipInfo } from '../../api/dataset.ts';
import type { InputNormalisation, ModelKind } from '../../api/run.ts';
import { loadChipSample } from './chip-samples.ts';
import type { EmbeddingStore } from '../embedding/embedding-store.ts';

/** One model input with its pixel-resolution target. */
export interface ModelSample {
  id: string;
  /** [channels, inputHeight, inputWidth]: pixels (scratch) or an embedding grid. */
  input: Float32Array;
  channels: number;
  inputHeight: number;
  inputWidth: number;
  /** [height, width] at pixel resolution. */
  label: Float32Array;
  valid: Float32Array;
  /** 1 where the image had data (pixel resolution): where a prediction is meaningful. */
  inputValid: Uint8Array;
  /** 1 where the label is valid: the pixels metrics count. */
  labelValid: Uint8Array;
  height: number;
  width: number;
}

/** Where a model's inputs come from: raw pixels, or embeddings computed by an encoder. */
export interface TrainingSource {
  readonly inputChannels: number;
  /** Names of the input channels, for the run record. */
  readonly inputBands: string[];
  /** Input grid size for a chip of the given pixel size (e.g. 512 px → 16 patches). */
  readonly pixelsPerInputCell: number;
  /** Whether random crops and flips may be applied (only meaningful on pixels). */
  readonly supportsAugmentation: boolean;
  load(chip: ChipInfo): Promise<ModelSample>;
}

export function pixelSource(inputBands: CanonicalBand[], normalisation: InputNormalisation): TrainingSource {
  return {
    inputChannels: inputBands.length,
    inputBands,
    pixelsPerInputCell: 1,
    supportsAugmentation: true,
    async load(chip) {
      const sample = await loadChipSample(chip, inputBands, normalisation);
      return {
        id: sample.id,
        input: sample.pixels,
        channels: sample.channels,
        inputHeight: sample.height,
        inputWidth: sample.width,
        label: sample.label,
        valid: sample.valid,
        inputValid: sample.inputValid,
        labelValid: sample.labelValid,
        height: sample.height,
        width: sample.width,
      };
    },
  };
}

export function embeddingSource(store: EmbeddingStore): TrainingSource {
  return {
    inputChannels: store.channels,
    inputBands: [`embedding:${store.encoderName}`],
    pixelsPerInputCell: store.pixelsPerCell,
    supportsAugmentation: false,
    async load(chip) {
      const [embedding, target] = await Promise.all([store.read(chip.id), loadChipSample(chip, store.targetBands)]);
      return {
        id: chip.id,
        input: embedding.data,
        channels: embedding.channels,
        inputHeight: embedding.height,
        inputWidth: embedding.width,
        label: target.label,
        valid: target.valid,
        inputValid: target.inputValid,
        labelValid: target.labelValid,
        height: target.height,
        width: target.width,
      };
    },
  };
}

export const usesEmbeddings = (kind: ModelKind) => kind !== 'scratch';

/**
 * Keeps loaded samples in memory up to `maxBytes` (training reads each chip many times per epoch);
 * beyond that, chips are read again each time, so memory stays bounded whatever the dataset size.
 */
export function cachedSource(source: TrainingSource, maxBytes = 512 * 2 ** 20): TrainingSource {
  const cache = new Map<string, ModelSample>();
  let bytes = 0;
  return {
    inputChannels: source.inputChannels,
    inputBands: source.inputBands,
    pixelsPerInputCell: source.pixelsPerInputCell,
    supportsAugmentation: source.supportsAugmentation,
    async load(chip) {
      const hit = cache.get(chip.id);
      if (hit) return hit;
      const sample = await source.load(chip);
      const size =
        sample.input.byteLength +
        sample.label.byteLength +
        sample.valid.byteLength +
        sample.inputValid.byteLength +
        sample.labelValid.byteLength;
      if (bytes + size <= maxBytes) {
        cache.set(chip.id, sample);
        bytes += size;
      }
      return sample;
    },
  };
}
