import { resolve } from 'node:path';
import type { ChipInfo } from '../../api/dataset.ts';
import { inspectDataset, isReadable } from '../dataset/inspect.ts';
import type { JobContext } from '../compute/job-context.ts';
import type { ClayInputOptions } from './clay-inputs.ts';
import { embedChips, type EmbedChipsResult } from './embed-chips.ts';

export interface EmbedRequest {
  /** Clay checkpoint (.ckpt / .pt). */
  encoder: string;
  dataDir: string;
  /** The embeddings folder (one per encoder). */
  outDir: string;
  /** Only these chips (default: every readable chip). */
  chipIds?: string[];
  inputs?: ClayInputOptions;
  /** Converted-encoder cache folder; null = off; default: the host's (engine/clay/cache). */
  encoderCacheDir?: string | null;
  /** Worker threads embedding chips side by side (default: one per core; jobs/embed-job.ts). */
  workers?: number;
}

export interface EmbedResult extends EmbedChipsResult {
  /** Chips the dataset has that cannot be read at all (not attempted). */
  unreadable: string[];
}

/** The chips of a dataset `embed` works on: the readable ones asked for, and those it cannot read at all. */
export async function chipsToEmbed(
  request: Pick<EmbedRequest, 'dataDir' | 'chipIds'>,
): Promise<{ readable: ChipInfo[]; unreadable: string[] }> {
  const inspection = await inspectDataset(request.dataDir);
  let chips = inspection.chips;
  if (request.chipIds) {
    const unknown = request.chipIds.filter((id) => !chips.some((c) => c.id === id));
    if (unknown.length > 0) throw new Error(`${request.dataDir} has no chip ${unknown.slice(0, 5).join(', ')}`);
    chips = chips.filter((c) => request.chipIds!.includes(c.id));
  }
  const readable = chips.filter(isReadable);
  const unreadable = chips.filter((c) => !isReadable(c)).map((c) => c.id);
  if (readable.length === 0) throw new Error(`${request.dataDir}: no readable chip to embed`);
  return { readable, unreadable };
}

/** `floodlens embed` on this thread: every readable chip of a dataset through a Clay encoder, once. */
export async function embedDataset(request: EmbedRequest, context: JobContext): Promise<EmbedResult> {
  const { readable, unreadable } = await chipsToEmbed(request);
  const result = await embedChips(resolve(request.encoder), readable, resolve(request.outDir), context, {
    inputs: request.inputs,
    encoderCacheDir: request.encoderCacheDir,
  });
  logEmbedResult(result, context);
  return { ...result, unreadable };
}

export function logEmbedResult(result: EmbedChipsResult, context: JobContext): void {
  context.log(
    `${result.encoder.name} ${result.encoder.fingerprint.slice(0, 12)}: ${result.computed.length} chip(s) embedded, ${result.reused.length} reused from the cache, ${result.failed.length} failed` +
      (result.secondsPerChip !== null
        ? `; ${result.secondsPerChip.toFixed(2)} s per chip (encoder ${(result.encoderSeconds / result.computed.length).toFixed(2)} s)`
        : ''),
  );
}
