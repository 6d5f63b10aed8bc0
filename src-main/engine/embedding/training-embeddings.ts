/**
 * The embeddings a clay-decoder / linear-probe run trains on: a given folder, or (with an encoder) a
 * cache computed on demand — by default `<runDir>/../embeddings/<encoder fingerprint, 16 hex>`, shared
 * by every run beside it, so retraining a head never recomputes an embedding.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ChipInfo } from '../../api/dataset.ts';
import { LocalJobContext, type JobContext } from '../compute/job-context.ts';
import { EmbeddingStore } from './embedding-store.ts';
import { embedChips, encoderFileOptions } from './embed-chips.ts';
import { encoderIdentity } from './encoder-file.ts';

export function defaultEmbeddingsDir(runDir: string, encoderFingerprint: string): string {
  return resolve(runDir, '..', 'embeddings', encoderFingerprint.slice(0, 16));
}

export interface TrainingEmbeddings {
  dir: string;
  notes: string[];
}

export async function embeddingsForTraining(
  config: { encoder: string | null; embeddingsDir: string | null; model: string },
  chips: readonly ChipInfo[],
  options: { runDir?: string; context?: JobContext; encoderCacheDir?: string | null } = {},
): Promise<TrainingEmbeddings> {
  const context = options.context ?? new LocalJobContext('embeddings');
  if (!config.encoder) {
    if (!config.embeddingsDir) throw new Error(`the ${config.model} model needs embeddings: choose a Clay encoder checkpoint (embeddings are computed and cached) or an embeddings folder (see docs/EMBEDDINGS.md)`);
    return { dir: config.embeddingsDir, notes: await missingInputNotes(config.embeddingsDir, chips) };
  }
  if (!existsSync(config.encoder)) {
    // A finished run whose encoder file moved can still use what it cached.
    if (config.embeddingsDir && existsSync(config.embeddingsDir)) {
      const store = await EmbeddingStore.open(config.embeddingsDir);
      if (chips.every((chip) => store.has(chip.id))) return { dir: config.embeddingsDir, notes: [`encoder ${config.encoder} not found: used its cached embeddings`] };
    }
    throw new Error(`encoder checkpoint ${config.encoder} not found`);
  }
  const identity = await encoderIdentity(config.encoder, encoderFileOptions(context, options.encoderCacheDir));
  if (!config.embeddingsDir && !options.runDir) throw new Error('embeddings for an encoder need an embeddings folder or a run folder to cache them beside');
  const dir = config.embeddingsDir ?? defaultEmbeddingsDir(options.runDir!, identity.fingerprint);
  const result = await embedChips(config.encoder, chips, dir, context, { identity, encoderCacheDir: options.encoderCacheDir });
  if (result.failed.length > 0) {
    throw new Error(`cannot embed ${result.failed.length} chip(s) with ${config.encoder}: ${result.failed.slice(0, 3).map((f) => f.error).join('; ')}`);
  }
  const notes = [
    `embeddings: ${identity.description} ${identity.fingerprint.slice(0, 12)}, ${result.computed.length} computed, ${result.reused.length} reused from ${dir}` +
      (result.computed.length > 0 ? ` (${result.secondsPerChip!.toFixed(2)} s per chip)` : ''),
    ...(await missingInputNotes(dir, chips)),
  ];
  return { dir, notes };
}

async function missingInputNotes(dir: string, chips: readonly ChipInfo[]): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const store = await EmbeddingStore.open(dir);
  return chips.flatMap((chip) => (store.entry(chip.id)?.missingInputs ?? []).map((text) => `${chip.id}: ${text}`));
}
