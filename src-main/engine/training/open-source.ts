import type { ChipInfo } from '../../api/dataset.ts';
import type { TrainConfig } from '../../api/run.ts';
import { CLAY_V0_BANDS } from '../dataset/clay-v0.ts';
import { inputBandsOf } from './chip-samples.ts';
import { EmbeddingStore } from './embedding-store.ts';
import { embeddingSource, pixelSource, usesEmbeddings, type TrainingSource } from './training-source.ts';

/** The model's inputs for a run, plus notes on what the data lacked (recorded in run.json). */
export async function openTrainingSource(config: Pick<TrainConfig, 'model' | 'embeddingsDir' | 'augment' | 'chipSize'>, chips: readonly ChipInfo[]): Promise<{ source: TrainingSource; notes: string[] }> {
  const notes: string[] = [];
  if (!usesEmbeddings(config.model)) {
    const bands = inputBandsOf(chips);
    if (bands.length === 0) throw new Error('no chip has any Clay v0 band with data: nothing to train on');
    const missing = CLAY_V0_BANDS.filter((band) => !bands.includes(band));
    if (missing.length > 0) notes.push(`input bands ${bands.join(', ')}; absent from every chip: ${missing.join(', ')}`);
    for (const chip of chips) {
      const lacking = bands.filter((band) => !chip.bands.includes(band) || chip.emptyBands.includes(band));
      if (lacking.length > 0) notes.push(`${chip.id}: ${lacking.join(', ')} missing, set to 0 after normalisation`);
    }
    return { source: pixelSource(bands), notes };
  }
  if (!config.embeddingsDir) throw new Error(`--model ${config.model} needs embeddings: pass --embeddings <dir> (see docs/EMBEDDINGS.md)`);
  const store = await EmbeddingStore.open(config.embeddingsDir);
  const missing = chips.filter((chip) => !store.has(chip.id)).map((chip) => chip.id);
  if (missing.length > 0) throw new Error(`${config.embeddingsDir} has no embeddings for ${missing.length} chip(s): ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`);
  if (config.augment || config.chipSize) notes.push('crops and flips are not applied to embeddings: the decoder trains on whole chips');
  return { source: embeddingSource(store), notes };
}
