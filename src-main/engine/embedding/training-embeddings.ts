/**
 * The embeddings a clay-decoder / linear-probe run trains on: a given folder, or (with an encoder) a
 * cache computed on demand — by default `<runDir>/../embeddings/<encoder fingerprint, 16 hex>`, shared
 * by every run beside it, so retraining a head never recomputes an embedding.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ChipInfo } from '../../api/dataset.ts';
import type { EncoderInputs } from '../../api/run.ts';
import { LocalJobContext, type JobContext } from '../compute/job-context.ts';
import { EMBEDDINGS_INDEX, EmbeddingStore } from './embedding-store.ts';
import { encoderTileFor, encoderTileOfRecipe } from './clay-inputs.ts';
import { embedChips, encoderFileOptions } from './embed-chips.ts';
import { encoderIdentity } from './encoder-file.ts';

/** Tiled embeddings get their own folder (`<fingerprint>-tile256`), so whole-chip caches made before tiling stay as they are. */
export function defaultEmbeddingsDir(runDir: string, encoderFingerprint: string, encoderTile: number | null = null): string {
  return resolve(runDir, '..', 'embeddings', `${encoderFingerprint.slice(0, 16)}${encoderTile === null ? '' : `-tile${encoderTile}`}`);
}

export interface TrainingEmbeddings {
  dir: string;
  notes: string[];
  /** What the encoder saw, when the embeddings folder says (null for folders from before it recorded this). */
  encoderInputs: EncoderInputs | null;
}

export async function embeddingsForTraining(
  config: { encoder: string | null; embeddingsDir: string | null; model: string; encoderTile?: number | null },
  chips: readonly ChipInfo[],
  options: { runDir?: string; context?: JobContext; encoderCacheDir?: string | null } = {},
): Promise<TrainingEmbeddings> {
  const context = options.context ?? new LocalJobContext('embeddings');
  if (!config.encoder) {
    if (!config.embeddingsDir)
      throw new Error(
        `the ${config.model} model needs embeddings: choose a Clay encoder checkpoint (embeddings are computed and cached) or an embeddings folder (see docs/EMBEDDINGS.md)`,
      );
    return {
      dir: config.embeddingsDir,
      notes: await missingInputNotes(config.embeddingsDir, chips),
      encoderInputs: await encoderInputsOf(config.embeddingsDir, chips),
    };
  }
  if (!existsSync(config.encoder)) {
    // A finished run whose encoder file moved can still use what it cached.
    if (config.embeddingsDir && existsSync(config.embeddingsDir)) {
      const store = await EmbeddingStore.open(config.embeddingsDir);
      if (chips.every((chip) => store.has(chip.id))) {
        return {
          dir: config.embeddingsDir,
          notes: [`encoder ${config.encoder} not found: used its cached embeddings`],
          encoderInputs: await encoderInputsOf(config.embeddingsDir, chips),
        };
      }
    }
    throw new Error(`encoder checkpoint ${config.encoder} not found`);
  }
  const identity = await encoderIdentity(config.encoder, encoderFileOptions(context, options.encoderCacheDir));
  if (!config.embeddingsDir && !options.runDir)
    throw new Error('embeddings for an encoder need an embeddings folder or a run folder to cache them beside');
  // Without an explicit tile, an existing folder keeps the tiling it was made with (runs from before tiling: whole chips).
  let encoderTile = config.encoderTile;
  if (
    (encoderTile === null || encoderTile === undefined) &&
    config.embeddingsDir &&
    existsSync(join(config.embeddingsDir, EMBEDDINGS_INDEX))
  ) {
    encoderTile = encoderTileOfRecipe((await EmbeddingStore.open(config.embeddingsDir)).recipe) ?? 0;
  }
  const inputs = { encoderTile };
  const dir =
    config.embeddingsDir ?? defaultEmbeddingsDir(options.runDir!, identity.fingerprint, encoderTileFor(identity.version, encoderTile));
  const result = await embedChips(config.encoder, chips, dir, context, { identity, inputs, encoderCacheDir: options.encoderCacheDir });
  if (result.failed.length > 0) {
    throw new Error(
      `cannot embed ${result.failed.length} chip(s) with ${config.encoder}: ${result.failed
        .slice(0, 3)
        .map((f) => f.error)
        .join('; ')}`,
    );
  }
  const notes = [
    `embeddings: ${identity.description} ${identity.fingerprint.slice(0, 12)}, ${result.computed.length} computed, ${result.reused.length} reused from ${dir}` +
      (result.computed.length > 0 ? ` (${result.secondsPerChip!.toFixed(2)} s per chip)` : ''),
    ...(await missingInputNotes(dir, chips)),
  ];
  return { dir, notes, encoderInputs: await encoderInputsOf(dir, chips) };
}

/** The run card's account of the encoder's input, from what the embeddings index recorded per chip. */
async function encoderInputsOf(dir: string, chips: readonly ChipInfo[]): Promise<EncoderInputs | null> {
  if (!existsSync(dir)) return null;
  const store = await EmbeddingStore.open(dir);
  const entries = chips.map((chip) => store.entry(chip.id)).filter((e) => e !== undefined);
  if (entries.length === 0 || entries.some((e) => e.inputs === undefined)) return null;
  const version = store.encoderName === 'clay-v0' ? 'v0' : 'v1.5';
  const recipes = [...new Set(entries.map((e) => e.inputs!))];
  const zeroFilledBands = [...new Set(entries.flatMap((e) => e.zeroFilledBands ?? []))];
  const chipsZeroFilled = entries.filter((e) => (e.zeroFilledBands ?? []).length > 0).length;
  const summary =
    zeroFilledBands.length === 0
      ? `Clay ${version} saw the bands each chip has (${recipes.join('; ')})`
      : `Clay ${version} needs its fixed bands: ${zeroFilledBands.join(', ')} were missing on ${chipsZeroFilled} of ${entries.length} chip(s) and fed as zeros (0 after normalisation), so this run's encoder saw partly empty input`;
  return { version, recipes, encoderTile: encoderTileOfRecipe(store.recipe), zeroFilledBands, chipsZeroFilled, summary };
}

async function missingInputNotes(dir: string, chips: readonly ChipInfo[]): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const store = await EmbeddingStore.open(dir);
  return chips.flatMap((chip) => (store.entry(chip.id)?.missingInputs ?? []).map((text) => `${chip.id}: ${text}`));
}
