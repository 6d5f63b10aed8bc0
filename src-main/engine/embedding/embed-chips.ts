/**
 * Embeds chips into an embeddings folder (docs/EMBEDDINGS.md), once: a chip already cached with the
 * same chip fingerprint is skipped, so an interrupted run resumes where it stopped and retraining
 * never recomputes. A folder made by another encoder (or another input recipe) is refused.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ChipInfo } from '../../api/dataset.ts';
import { JobCancelledError } from '../../api/jobs.ts';
import type { ClayEncoder } from '../clay/index.ts';
import { etaSeconds, type JobContext } from '../compute/job-context.ts';
import { EMBEDDINGS_INDEX, EmbeddingStore } from './embedding-store.ts';
import { chipFingerprint } from './chip-fingerprint.ts';
import { clayInputForChip, encoderTileFor, inputRecipeId, type ClayInputOptions } from './clay-inputs.ts';
import { defaultTileBatching, embedInTiles } from './encoder-tiles.ts';
import { encoderIdentity, openEncoder, type EncoderFileOptions, type EncoderIdentity } from './encoder-file.ts';

export class EmbeddingCacheMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EmbeddingCacheMismatchError';
  }
}

export interface EmbedChipsResult {
  dir: string;
  encoder: EncoderIdentity;
  recipe: string;
  /** Side of the square tiles chips larger than one were encoded in (grids stitched), null = whole chips. */
  encoderTile: number | null;
  /** Chips embedded now. */
  computed: string[];
  /** Chips found in the cache with the same chip and encoder fingerprints. */
  reused: string[];
  failed: { id: string; error: string }[];
  /** Seconds spent reading the checkpoint and building the encoder (0 when nothing was computed). */
  loadSeconds: number;
  /** Seconds in encoder forward passes. */
  encoderSeconds: number;
  /** Seconds per computed chip including reading and normalising it. */
  secondsPerChip: number | null;
  /** Per chip: what it lacked (also in the index). */
  missingInputs: Record<string, string[]>;
}

export interface EmbedChipsOptions {
  inputs?: ClayInputOptions;
  /** Already computed identity of `encoderFile` (skips one read of the checkpoint). */
  identity?: EncoderIdentity;
  /** Converted-encoder cache folder (engine/clay/cache); null = off; default: the host's. */
  encoderCacheDir?: string | null;
}

/** Encoder reads report cache problems in the job log and stop between tensors on cancel. */
export function encoderFileOptions(context: JobContext, encoderCacheDir?: string | null): EncoderFileOptions {
  return { cacheDir: encoderCacheDir, onWarning: (message) => context.log(message), checkCancelled: () => context.throwIfCancelled() };
}

/** Refuses a cache that another encoder or another input recipe filled. */
export async function openMatchingStore(
  dir: string,
  identity: Pick<EncoderIdentity, 'fingerprint' | 'file' | 'name'>,
  recipe: string,
): Promise<EmbeddingStore | null> {
  if (!existsSync(join(dir, EMBEDDINGS_INDEX))) return null;
  const store = await EmbeddingStore.open(dir);
  if (store.encoderFingerprint !== identity.fingerprint) {
    throw new EmbeddingCacheMismatchError(
      `${dir} holds embeddings of another encoder (${store.encoderName} ${store.encoderFingerprint.slice(0, 12)}${store.encoderFile ? `, ${store.encoderFile}` : ''}), ` +
        `not of ${identity.file} (${identity.name} ${identity.fingerprint.slice(0, 12)}): choose another output folder`,
    );
  }
  if (store.recipe !== undefined && store.recipe !== recipe) {
    const wholeChips =
      recipe.includes('/tile-') && !store.recipe.includes('/tile-') ? ' or encoder tile 0 (whole chips, as this folder was made)' : '';
    throw new EmbeddingCacheMismatchError(
      `${dir} holds embeddings made with inputs "${store.recipe}", not "${recipe}": choose another output folder${wholeChips}`,
    );
  }
  return store;
}

/** Which chips a store in `dir` already holds with the same chip fingerprint (reused), and which are left to embed. */
export async function pendingChips(
  chips: readonly ChipInfo[],
  dir: string,
  context: JobContext,
): Promise<{ fingerprints: Map<string, string>; todo: ChipInfo[]; reused: string[] }> {
  const fingerprints = new Map<string, string>();
  for (const chip of chips) {
    context.throwIfCancelled();
    fingerprints.set(chip.id, await chipFingerprint(chip));
  }
  const existing = existsSync(join(dir, EMBEDDINGS_INDEX)) ? await EmbeddingStore.open(dir) : null;
  const todo = chips.filter((chip) => !existing?.has(chip.id, fingerprints.get(chip.id)!));
  const reused = chips.filter((chip) => !todo.includes(chip)).map((chip) => chip.id);
  return { fingerprints, todo, reused };
}

/**
 * Copies the chips of part stores (each filled by one worker, same encoder and recipe) into the store in `dir`,
 * creating it from the first part's header when absent. Parts whose chips all failed have no store: skipped.
 */
export async function mergeEmbeddingParts(dir: string, partDirs: readonly string[]): Promise<void> {
  let store = existsSync(join(dir, EMBEDDINGS_INDEX)) ? await EmbeddingStore.open(dir) : null;
  for (const partDir of partDirs) {
    if (!existsSync(join(partDir, EMBEDDINGS_INDEX))) continue;
    const part = await EmbeddingStore.open(partDir);
    store ??= await EmbeddingStore.create(dir, part.header());
    for (const id of part.chipIds()) {
      const entry = part.entry(id)!;
      const { inputs, missingInputs, zeroFilledBands } = entry;
      await store.write(id, (await part.read(id)).data, entry.chipFingerprint, { inputs, missingInputs, zeroFilledBands });
    }
  }
}

export async function embedChips(
  encoderFile: string,
  chips: readonly ChipInfo[],
  dir: string,
  context: JobContext,
  options: EmbedChipsOptions = {},
): Promise<EmbedChipsResult> {
  // The chip fingerprints decide what is left to do; the encoder is only built when something is.
  const { fingerprints, todo, reused } = await pendingChips(chips, dir, context);

  let encoder: ClayEncoder | null = null;
  let identity = options.identity;
  const loadStarted = performance.now();
  const fileOptions = encoderFileOptions(context, options.encoderCacheDir);
  if (todo.length > 0) {
    const opened = await openEncoder(encoderFile, fileOptions);
    encoder = opened.encoder;
    identity = opened.identity;
    context.log(
      `encoder ${identity.fingerprint.slice(0, 12)} loaded from ${opened.loadedFrom === 'cache' ? 'the encoder cache' : encoderFile} in ${((performance.now() - loadStarted) / 1000).toFixed(1)} s`,
    );
  } else identity ??= await encoderIdentity(encoderFile, fileOptions);
  const loadSeconds = todo.length > 0 ? (performance.now() - loadStarted) / 1000 : 0;
  const recipe = inputRecipeId(identity.version, options.inputs);
  const encoderTile = encoderTileFor(identity.version, options.inputs?.encoderTile);
  const result: EmbedChipsResult = {
    dir,
    encoder: identity,
    recipe,
    encoderTile,
    computed: [],
    reused,
    failed: [],
    loadSeconds,
    encoderSeconds: 0,
    secondsPerChip: null,
    missingInputs: {},
  };

  try {
    let store = await openMatchingStore(dir, identity, recipe);
    for (const id of reused) result.missingInputs[id] = store?.entry(id)?.missingInputs ?? [];
    const started = performance.now();
    const tileBatching = defaultTileBatching((line) => context.log(line));
    for (const [index, chip] of todo.entries()) {
      context.throwIfCancelled();
      try {
        const input = await clayInputForChip(chip, identity.version, options.inputs);
        const forwardStarted = performance.now();
        const { grid, shape, tiles, tile } = await embedInTiles(encoder!, input.batch, encoderTile, tileBatching);
        result.encoderSeconds += (performance.now() - forwardStarted) / 1000;
        const [, channels, gridHeight, gridWidth] = shape;
        const pixelsPerCell = input.batch.shape[2] / gridHeight;
        store ??= await EmbeddingStore.create(dir, {
          encoder: { name: identity.name, fingerprint: identity.fingerprint, file: identity.file, description: identity.description },
          recipe,
          channels,
          gridHeight,
          gridWidth,
          pixelsPerCell,
        });
        if (store.channels !== channels || store.grid.height !== gridHeight || store.grid.width !== gridWidth) {
          throw new Error(
            `embedding [${channels}, ${gridHeight}, ${gridWidth}] does not fit this folder's [${store.channels}, ${store.grid.height}, ${store.grid.width}] (chips of different sizes cannot share a cache)`,
          );
        }
        const [, , height, width] = input.batch.shape;
        if (encoderTile !== null && tile === null && (height > encoderTile || width > encoderTile)) {
          input.missingInputs.push(`${width}×${height} is not a whole number of ${encoderTile}² encoder tiles: encoded whole`);
        }
        const inputs = `${input.recipe}${tile === null ? '' : `, ${tiles} tiles of ${tile}² (grids stitched)`}`;
        await store.write(chip.id, grid, fingerprints.get(chip.id)!, {
          inputs,
          missingInputs: input.missingInputs,
          zeroFilledBands: input.zeroFilledBands,
        });
        result.computed.push(chip.id);
        result.missingInputs[chip.id] = input.missingInputs;
      } catch (error) {
        if (error instanceof JobCancelledError) throw error;
        result.failed.push({ id: chip.id, error: (error as Error).message });
        context.log(`cannot embed ${chip.id}: ${(error as Error).message}`);
      }
      const elapsed = (performance.now() - started) / 1000;
      context.progress({
        phase: 'embed',
        epoch: null,
        epochs: null,
        step: index + 1,
        steps: todo.length,
        loss: null,
        samplesPerSecond: (index + 1) / Math.max(elapsed, 1e-9),
        etaSeconds: etaSeconds(index + 1, todo.length, elapsed),
        message: `${chip.id} (${reused.length} cached)`,
      });
    }
    if (result.computed.length > 0) result.secondsPerChip = (performance.now() - started) / 1000 / result.computed.length;
    return result;
  } finally {
    encoder?.dispose();
  }
}
