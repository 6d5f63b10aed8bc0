import type { ChipInfo } from '../../api/dataset.ts';
import type { EncoderInputs, InputNormalisation, TrainConfig } from '../../api/run.ts';
import { datasetStatistics } from './input-normalisation.ts';
import { CLAY_V0_BANDS } from '../dataset/clay-v0.ts';
import { inputBandsOf, sharedInputBands } from './chip-samples.ts';
import { EmbeddingStore } from '../embedding/embedding-store.ts';
import { embeddingSource, pixelSource, usesEmbeddings, type TrainingSource } from './training-source.ts';
import { embeddingsForTraining } from '../embedding/training-embeddings.ts';
import type { JobContext } from '../compute/job-context.ts';

export interface OpenSourceOptions {
  /** The run folder: an encoder's embeddings are cached beside it (`<runDir>/../embeddings/<fp>`). */
  runDir?: string;
  /** Progress and cancel while missing embeddings are computed. */
  context?: JobContext;
}

/** The model's inputs for a run, plus notes on what the data lacked (recorded in run.json). */
/**
 * `trainChips` give the dataset statistics when the run standardises with its own; a resumed or
 * finished run passes its recorded `normalisation` instead.
 */
export async function openTrainingSource(
  config: Pick<TrainConfig, 'model' | 'embeddingsDir' | 'encoder' | 'augment' | 'chipSize' | 'normalisation'> &
    Partial<Pick<TrainConfig, 'bands'>>,
  chips: readonly ChipInfo[],
  trainChips: readonly ChipInfo[],
  recorded: InputNormalisation | null = null,
  options: OpenSourceOptions = {},
): Promise<{
  source: TrainingSource;
  notes: string[];
  normalisation: InputNormalisation | null;
  embeddingsDir?: string;
  encoderInputs?: EncoderInputs;
}> {
  const notes: string[] = [];
  if (!usesEmbeddings(config.model)) {
    const withData = inputBandsOf(chips);
    const chosen = config.bands ?? null;
    const absent = chosen?.filter((band) => !withData.includes(band)) ?? [];
    if (absent.length > 0)
      throw new Error(
        `no chip has data in the chosen band${absent.length === 1 ? '' : 's'} ${absent.join(', ')} (bands with data: ${withData.join(', ') || 'none'})`,
      );
    const inTraining = recorded ? withData : inputBandsOf(trainChips);
    const untrained = chosen?.filter((band) => !inTraining.includes(band)) ?? [];
    if (untrained.length > 0)
      throw new Error(
        `no training chip has data in the chosen band${untrained.length === 1 ? '' : 's'} ${untrained.join(', ')}: the model could not learn ` +
          `from it (only validation chips hold it; training chips have: ${inTraining.join(', ') || 'none'})`,
      );
    const bands = chosen ? CLAY_V0_BANDS.filter((band) => chosen.includes(band)) : sharedInputBands(chips);
    if (bands.length === 0) throw new Error('no chip has any Clay v0 band with data: nothing to train on');
    const missing = CLAY_V0_BANDS.filter((band) => !bands.includes(band) && !withData.includes(band));
    if (missing.length > 0) notes.push(`input bands ${bands.join(', ')}; absent from every chip: ${missing.join(', ')}`);
    const leftOut = withData.filter((band) => !bands.includes(band));
    if (leftOut.length > 0 && !chosen) notes.push(`${leftOut.join(', ')} left out: not held by every chip (choose them with bands)`);
    for (const chip of chips) {
      const lacking = bands.filter((band) => !chip.bands.includes(band) || chip.emptyBands.includes(band));
      if (lacking.length > 0) notes.push(`${chip.id}: ${lacking.join(', ')} missing, set to 0 after normalisation`);
    }
    const normalisation =
      recorded ?? (config.normalisation === 'clay-v0' ? { kind: 'clay-v0' as const } : await datasetStatistics(trainChips, bands));
    return { source: pixelSource(bands, normalisation), notes, normalisation };
  }
  // With --encoder, missing embeddings are computed first (and cached); otherwise --embeddings must hold them all.
  const embeddings = await embeddingsForTraining(config, chips, options);
  notes.push(...embeddings.notes);
  const store = await EmbeddingStore.open(embeddings.dir);
  const missing = chips.filter((chip) => !store.has(chip.id)).map((chip) => chip.id);
  if (missing.length > 0)
    throw new Error(
      `${embeddings.dir} has no embeddings for ${missing.length} chip(s): ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`,
    );
  if (config.augment || config.chipSize) notes.push('crops and flips are not applied to embeddings: the decoder trains on whole chips');
  return {
    source: embeddingSource(store),
    notes,
    normalisation: null,
    embeddingsDir: embeddings.dir,
    ...(embeddings.encoderInputs ? { encoderInputs: embeddings.encoderInputs } : {}),
  };
}
