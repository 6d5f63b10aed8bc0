import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Comparison, EvaluationRecord, RunRecord } from '../../src-main/api/run.ts';
import { encoderIdentity } from '../../src-main/engine/embedding/encoder-file.ts';
import { encoderTileFor } from '../../src-main/engine/embedding/clay-inputs.ts';
import { defaultEmbeddingsDir } from '../../src-main/engine/embedding/training-embeddings.ts';
import { runJob } from '../../src-main/engine/jobs/worker-host.ts';
import type { PredictResult } from '../../src-main/engine/prediction/predict-run.ts';
import type { EmbedResult } from '../../src-main/engine/embedding/embed-dataset.ts';
import { hasShared, reportSkippedWithoutShared, repoRoot, sharedFixture } from '../helpers/shared.ts';

reportSkippedWithoutShared('Clay decoder end to end (tiny Clay v1.5 checkpoint)');

// Real chips: the bundled demo (Sen1Floods11 + C2S-MS, Sentinel-1 only), through the tiny Clay v1.5
// encoder (which takes the radar bands alone), in worker threads as the app runs them.
const demo = resolve(repoRoot, 'resources/demo');
const encoder = sharedFixture('clay-v1.5', 'clay-v1.5-tiny.ckpt');
const work = mkdtempSync(join(tmpdir(), 'floodlens-clay-decoder-'));
const runs = join(work, 'runs');
const common = { dataDir: demo, batchSize: 2, valSplit: 0.2, testSplit: 0.2, seed: 3, patience: 0 };
afterAll(() => rmSync(work, { recursive: true, force: true }));

const mtimes = (dir: string) =>
  Object.fromEntries(
    readdirSync(dir)
      .filter((f) => f.endsWith('.f32'))
      .map((f) => [f, statSync(join(dir, f)).mtimeMs]),
  );

describe.skipIf(!hasShared)('embed → train clay-decoder --encoder → evaluate → predict → compare with scratch', () => {
  let cacheDir: string;
  let embedded: EmbedResult;
  let decoder: RunRecord;

  beforeAll(async () => {
    const identity = await encoderIdentity(encoder);
    // v1.5 encodes in 256² tiles by default, and tiled embeddings are cached in their own folder.
    cacheDir = defaultEmbeddingsDir(join(runs, 'decoder'), identity.fingerprint, encoderTileFor(identity.version, undefined));
    // Embed only three chips first: training must compute the other two, then reuse everything.
    embedded = await runJob('embed', { encoder, dataDir: demo, outDir: cacheDir, chipIds: ['India_900498', 'Pakistan_849790', 'jja10'] });
    decoder = await runJob('train', { outDir: join(runs, 'decoder'), config: { ...common, model: 'clay-decoder', encoder, epochs: 1 } });
  }, 180_000);

  it('the embed job writes the cache and reports what each chip lacked', () => {
    expect(embedded.computed.sort()).toEqual(['India_900498', 'Pakistan_849790', 'jja10']);
    expect(embedded.failed).toEqual([]);
    expect(embedded.encoder.name).toBe('clay-v1.5');
    expect(embedded.missingInputs.jja10).toEqual(['no date: time set to 0 (as Clay pre-training did for unknown dates)']);
    expect(existsSync(join(cacheDir, 'embeddings.json'))).toBe(true);
  });

  it('train --encoder uses <runDir>/../embeddings/<fingerprint>, computing only what was missing, and records it', () => {
    expect(decoder.status).toBe('completed');
    expect(decoder.config.embeddingsDir).toBe(cacheDir);
    expect(decoder.data.inputBands).toEqual(['embedding:clay-v1.5']);
    expect(decoder.model.inputChannels).toBe(64);
    expect(decoder.data.notes[0]).toMatch(/embeddings: Clay v1\.x .* 2 computed, 3 reused from/);
    expect(decoder.data.notes).toContain('jja10: no date: time set to 0 (as Clay pre-training did for unknown dates)');
    expect(Number.isFinite(decoder.epochs[0].trainLoss)).toBe(true);
  });

  describe('after the first run', () => {
    let again: RunRecord;
    let scratch: RunRecord;
    let before: Record<string, number>;
    let evaluation: EvaluationRecord;
    let predicted: PredictResult;
    let comparison: Comparison;

    beforeAll(async () => {
      before = mtimes(cacheDir);
      again = await runJob('train', {
        outDir: join(runs, 'decoder-again'),
        config: { ...common, model: 'clay-decoder', encoder, epochs: 1, lr: 3e-3 },
      });
      scratch = await runJob('train', {
        outDir: join(runs, 'scratch'),
        config: { ...common, model: 'scratch', epochs: 1, chipSize: 64, cropsPerChip: 1 },
      });
      evaluation = await runJob('evaluate', { runDir: join(runs, 'decoder'), dataDir: demo, chips: 'test' });
      predicted = await runJob('predict', {
        runDir: join(runs, 'decoder'),
        dataDir: demo,
        outDir: join(work, 'predictions'),
        probabilities: false,
        chips: 'test',
      });
      comparison = await runJob('compare', { runDirs: [join(runs, 'decoder'), join(runs, 'scratch')] });
    }, 240_000);

    it('retraining a decoder computes no embedding: same cache, untouched files', () => {
      expect(again.status).toBe('completed');
      expect(again.config.embeddingsDir).toBe(cacheDir);
      expect(again.data.notes[0]).toMatch(/0 computed, 5 reused/);
      expect(mtimes(cacheDir)).toEqual(before);
      expect(Object.keys(before)).toHaveLength(5);
    });

    it('evaluates and predicts from the cached embeddings', () => {
      expect(evaluation.model).toBe('clay-decoder');
      expect(evaluation.chips).toEqual(decoder.data.split.test);
      expect(evaluation.metrics.tp + evaluation.metrics.fp + evaluation.metrics.fn + evaluation.metrics.tn).toBeGreaterThan(0);
      expect(predicted.chips.map((c) => c.id)).toEqual(decoder.data.split.test);
      for (const chip of predicted.chips) expect(existsSync(chip.files.mask)).toBe(true);
    });

    it('compares the finetuned head with the scratch net on the same test chips', () => {
      expect(scratch.data.split).toEqual(decoder.data.split);
      expect(comparison.runs.map((r) => r.model)).toEqual(['clay-decoder', 'scratch']);
      expect(comparison.chips).toEqual(decoder.data.split.test);
      expect(comparison.warnings.filter((w) => /different data|different chips/.test(w))).toEqual([]);
      for (const run of comparison.runs)
        expect(run.evaluation.metrics.iou === null || Number.isFinite(run.evaluation.metrics.iou)).toBe(true);
    });
  });
});
