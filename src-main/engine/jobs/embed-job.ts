/**
 * `embed` on a pool of worker threads: wasm runs one thread per worker under Node, so N chips embed side by
 * side on N cores. The chips left to do are cut into one contiguous range per worker; each worker fills a
 * part store with the very code of a one-worker run (a chip's embedding depends only on the chip and the
 * encoder), and the parts are copied into the embeddings folder, so 1 or N workers give the same bytes.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { etaSeconds, type JobContext } from '../compute/job-context.ts';
import { defaultWorkers, splitEvenly } from '../compute/worker-thread.ts';
import { encoderFileOptions, mergeEmbeddingParts, openMatchingStore, pendingChips } from '../embedding/embed-chips.ts';
import { chipsToEmbed, embedDataset, logEmbedResult, type EmbedRequest, type EmbedResult } from '../embedding/embed-dataset.ts';
import { encoderIdentity } from '../embedding/encoder-file.ts';
import { EmbeddingStore } from '../embedding/embedding-store.ts';
import { encoderTileFor, inputRecipeId } from '../embedding/clay-inputs.ts';
import { runJobsTogether } from './worker-pool.ts';

export async function embedOnWorkers(request: EmbedRequest, context: JobContext): Promise<EmbedResult> {
  const workers = Math.max(1, Math.floor(request.workers ?? defaultWorkers()));
  if (workers === 1) return embedDataset(request, context);
  const started = performance.now();
  const outDir = resolve(request.outDir);
  const encoder = resolve(request.encoder);
  const { readable, unreadable } = await chipsToEmbed(request);
  const { todo, reused } = await pendingChips(readable, outDir, context);
  if (todo.length <= 1) return embedDataset({ ...request, workers: 1 }, context);
  // Refuse another encoder's (or recipe's) folder before any worker starts.
  const identity = await encoderIdentity(encoder, encoderFileOptions(context, request.encoderCacheDir));
  await openMatchingStore(outDir, identity, inputRecipeId(identity.version, request.inputs));

  const ranges = splitEvenly(
    todo.map((chip) => chip.id),
    workers,
  );
  context.log(`${todo.length} chip(s) to embed on ${ranges.length} worker(s); ${reused.length} already in the cache`);
  const partRoot = join(outDir, `.parts-${randomBytes(4).toString('hex')}`);
  const done = new Array<number>(ranges.length).fill(0);
  try {
    const parts = await runJobsTogether(
      'embed',
      ranges.map((chipIds, k) => ({ ...request, encoder, outDir: join(partRoot, String(k)), chipIds, workers: 1 })),
      context,
      (k, p) => {
        done[k] = p.step;
        const step = done.reduce((a, b) => a + b, 0);
        const elapsed = (performance.now() - started) / 1000;
        context.progress({
          ...p,
          step,
          steps: todo.length,
          samplesPerSecond: step / Math.max(elapsed, 1e-9),
          etaSeconds: etaSeconds(step, todo.length, elapsed),
          message: `${p.message ?? ''}; ${ranges.length} workers`,
        });
      },
      (k, message) => context.log(`[worker ${k + 1}/${ranges.length}] ${message}`),
    );
    context.throwIfCancelled();
    await mergeEmbeddingParts(
      outDir,
      parts.map((p) => p.dir),
    );
    const computed = parts.flatMap((p) => p.computed);
    const store = reused.length > 0 ? await EmbeddingStore.open(outDir) : null;
    const reusedNotes = Object.fromEntries(reused.map((id) => [id, store?.entry(id)?.missingInputs ?? []]));
    const result: EmbedResult = {
      dir: outDir,
      encoder: parts[0].encoder,
      recipe: parts[0].recipe,
      encoderTile: encoderTileFor(identity.version, request.inputs?.encoderTile),
      computed,
      reused,
      failed: parts.flatMap((p) => p.failed),
      loadSeconds: Math.max(...parts.map((p) => p.loadSeconds)),
      encoderSeconds: parts.reduce((sum, p) => sum + p.encoderSeconds, 0),
      secondsPerChip: computed.length > 0 ? (performance.now() - started) / 1000 / computed.length : null,
      missingInputs: Object.assign(reusedNotes, ...parts.map((p) => p.missingInputs)) as EmbedResult['missingInputs'],
      unreadable,
    };
    logEmbedResult(result, context);
    return result;
  } finally {
    await rm(partRoot, { recursive: true, force: true });
  }
}
