/**
 * Evaluate / predict a clay-decoder run on chips its encoder has not embedded yet: the embedding is done
 * inside the job, with progress (phase `embed`) and cancel; the encoder comes from the encoder cache the
 * training filled. Tiny Clay v1.5 checkpoint, three real Sen1Floods11 chips (Sentinel-1).
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobCancelledError, type JobProgress } from '../../src-main/api/jobs.ts';
import type { RunRecord } from '../../src-main/api/run.ts';
import { ENCODER_CACHE_ENV, setCacheDir } from '../../src-main/engine/clay/cache/index.ts';
import { evaluateRun } from '../../src-main/engine/evaluation/evaluate-run.ts';
import { LocalJobContext } from '../../src-main/engine/compute/job-context.ts';
import { predictRun } from '../../src-main/engine/prediction/predict-run.ts';
import { trainRun } from '../../src-main/engine/training/trainer.ts';
import { EmbeddingStore } from '../../src-main/engine/embedding/embedding-store.ts';
import { hasShared, reportSkippedWithoutShared, repoRoot, sharedFixture } from '../helpers/shared.ts';

reportSkippedWithoutShared('evaluate/predict embed missing chips with progress and cancel (tiny Clay v1.5)');

const CHIPS = ['India_900498', 'Pakistan_849790', 'Spain_7370579'];
const encoder = sharedFixture('clay-v1.5', 'clay-v1.5-tiny.ckpt');
const work = mkdtempSync(join(tmpdir(), 'floodlens-clay-cache-eval-'));
const data = join(work, 'data');
const runDir = join(work, 'runs', 'decoder');
const encoderCache = join(work, 'encoder-cache');
const previousCacheEnv = process.env[ENCODER_CACHE_ENV];
afterAll(() => {
  if (previousCacheEnv === undefined) delete process.env[ENCODER_CACHE_ENV];
  else process.env[ENCODER_CACHE_ENV] = previousCacheEnv;
  rmSync(work, { recursive: true, force: true });
});

function recording(jobId: string, cancelOn?: (p: JobProgress) => boolean) {
  const events: JobProgress[] = [];
  const logs: string[] = [];
  const context: LocalJobContext = new LocalJobContext(
    jobId,
    (p) => {
      events.push(p);
      if (cancelOn?.(p)) context.cancel();
    },
    (m) => logs.push(m),
  );
  return { context, events, logs };
}

describe.skipIf(!hasShared)('evaluate / predict embed the chips that are missing, with progress and cancel', () => {
  let run: RunRecord;
  let embeddingsDir: string;
  const forgetEmbeddings = () => rmSync(embeddingsDir, { recursive: true, force: true });

  beforeAll(async () => {
    setCacheDir(encoderCache); // as a host does at start-up
    mkdirSync(data);
    const demo = resolve(repoRoot, 'resources/demo/sen1floods11');
    for (const id of CHIPS)
      for (const suffix of ['S1Hand', 'LabelHand']) copyFileSync(join(demo, `${id}_${suffix}.tif`), join(data, `${id}_${suffix}.tif`));
    run = await trainRun(
      {
        outDir: runDir,
        config: {
          dataDir: data,
          model: 'clay-decoder',
          encoder,
          epochs: 1,
          batchSize: 2,
          valSplit: 0.34,
          testSplit: 0,
          seed: 1,
          patience: 0,
        },
      },
      new LocalJobContext('train'),
    );
    embeddingsDir = run.config.embeddingsDir!;
  }, 120_000);

  it('training converted the encoder once into the host-chosen cache', () => {
    expect(run.status).toBe('completed');
    expect(readdirSync(join(encoderCache, 'encoders')).filter((f) => f.endsWith('.flck'))).toHaveLength(1);
  });

  it('evaluate embeds every chip again after the embeddings were deleted, reporting phase embed per chip, then scores', async () => {
    forgetEmbeddings();
    const { context, events, logs } = recording('evaluate');
    const evaluation = await evaluateRun({ runDir, dataDir: data, chips: 'all' }, context);
    const embed = events.filter((e) => e.phase === 'embed');
    expect(embed.map((e) => [e.step, e.steps])).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
    expect(events.findIndex((e) => e.phase === 'evaluate')).toBeGreaterThan(events.lastIndexOf(embed[2]));
    expect(logs.join('\n')).toMatch(/loaded from the encoder cache/);
    expect(evaluation.chips.sort()).toEqual([...CHIPS].sort());
    expect((await EmbeddingStore.open(embeddingsDir)).chipIds().sort()).toEqual([...CHIPS].sort());
  });

  it('predict can be cancelled while it embeds: finished chips are kept, a rerun computes only the rest', async () => {
    forgetEmbeddings();
    const out = join(work, 'predictions');
    const cancelled = recording('predict-cancel', (p) => p.phase === 'embed');
    await expect(
      predictRun({ runDir, dataDir: data, outDir: out, probabilities: false, chips: 'all' }, cancelled.context),
    ).rejects.toBeInstanceOf(JobCancelledError);
    expect(cancelled.events.filter((e) => e.phase === 'predict')).toEqual([]);
    expect((await EmbeddingStore.open(embeddingsDir)).chipIds()).toHaveLength(1);
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);

    const again = recording('predict');
    const result = await predictRun({ runDir, dataDir: data, outDir: out, probabilities: false, chips: 'all' }, again.context);
    const embed = again.events.filter((e) => e.phase === 'embed');
    expect(embed.map((e) => [e.step, e.steps])).toEqual([
      [1, 2],
      [2, 2],
    ]);
    expect(embed.at(-1)!.message).toMatch(/\(1 cached\)/);
    expect(result.chips.map((c) => c.id).sort()).toEqual([...CHIPS].sort());
  });
});
