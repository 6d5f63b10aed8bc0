import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Comparison, EvaluationRecord, RunRecord } from '../../src-main/api/run.ts';
import { runJob } from '../../src-main/engine/jobs/worker-host.ts';
import { hasShared, reportSkippedWithoutShared, sharedData, sharedFixture } from '../helpers/shared.ts';

reportSkippedWithoutShared('Sentinel-1-only chips through Clay v1.5 and Clay v0 (tiny checkpoints)');

// Three of the real Sen1Floods11 chips that have only Sentinel-1 (VV, VH in dB) and a hand label: one each for
// train, validation and test keeps the CI time small. They stay 512² because Clay v0 takes only 512² chips;
// v1.5 encodes each as four 256² tiles (its default, clay-v15-encoder-tiles.test.ts checks the stitching). Clay v1.5 encodes
// VV/VH with their wavelengths (3.5 / 4.0 µm) and gsd 10 (Clay's sentinel-1-rtc metadata); Clay v0 needs its
// 13 fixed bands and gets zeros for the 10 optical bands and the DEM, which the run card must say.
const CHIPS = ['Ghana_97059', 'India_900498', 'Mekong_333434'];
const encoders = { 'v1.5': sharedFixture('clay-v1.5', 'clay-v1.5-tiny.ckpt'), v0: sharedFixture('clay-v0', 'clay-v0-tiny.ckpt') };
const work = mkdtempSync(join(tmpdir(), 'floodlens-s1-v15-v0-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const data = join(work, 's1_label');

describe.skipIf(!hasShared)('S1-only chips: embed → train clay-decoder → evaluate, Clay v1.5 vs v0 on the same chips', () => {
  const runs: Record<'v1.5' | 'v0', RunRecord> = {} as never;
  const evaluations: Record<'v1.5' | 'v0', EvaluationRecord> = {} as never;
  let comparison: Comparison;

  beforeAll(async () => {
    mkdirSync(data);
    for (const id of CHIPS)
      for (const kind of ['S1Hand', 'LabelHand'])
        symlinkSync(sharedData('sen1floods11', 's1_label', `${id}_${kind}.tif`), join(data, `${id}_${kind}.tif`));
    for (const version of ['v1.5', 'v0'] as const) {
      const outDir = join(work, 'runs', `decoder-${version}`);
      runs[version] = await runJob('train', {
        outDir,
        config: {
          dataDir: data,
          model: 'clay-decoder',
          encoder: encoders[version],
          epochs: 1,
          batchSize: 2,
          lr: 3e-3,
          seed: 5,
          patience: 0,
        },
      });
      evaluations[version] = await runJob('evaluate', { runDir: outDir, dataDir: data, chips: 'test' });
    }
    comparison = await runJob('compare', { runDirs: [join(work, 'runs', 'decoder-v1.5'), join(work, 'runs', 'decoder-v0')] });
  }, 900_000);

  it('v1.5 encodes the radar bands it has, with the Sentinel-1 metadata, and says so on the run card', () => {
    const run = runs['v1.5'];
    expect(run.status).toBe('completed');
    expect(run.data.inputBands).toEqual(['embedding:clay-v1.5']);
    expect(run.data.encoderInputs).toMatchObject({
      version: 'v1.5',
      recipes: ['clay-v1.5 sentinel-1-rtc [VV, VH] gsd 10, 4 tiles of 256² (grids stitched)'],
      encoderTile: 256,
      zeroFilledBands: [],
      chipsZeroFilled: 0,
    });
    expect(run.data.split).toMatchObject({ train: [expect.any(String)], val: [expect.any(String)], test: [expect.any(String)] });
    expect(run.epochs.every((e) => Number.isFinite(e.trainLoss))).toBe(true);
  });

  it('v0 runs on the same chips with its optical bands and DEM zero-filled, and the run card says so', () => {
    const run = runs.v0;
    expect(run.status).toBe('completed');
    expect(run.data.split).toEqual(runs['v1.5'].data.split);
    const inputs = run.data.encoderInputs!;
    expect(inputs.version).toBe('v0');
    expect(inputs.encoderTile).toBeNull();
    expect([...inputs.zeroFilledBands].sort()).toEqual(['B02', 'B03', 'B04', 'B05', 'B06', 'B07', 'B08', 'B11', 'B12', 'B8A', 'DEM']);
    expect(inputs.chipsZeroFilled).toBe(run.data.chips);
    expect(inputs.summary).toContain('fed as zeros');
    expect(run.epochs.every((e) => Number.isFinite(e.trainLoss))).toBe(true);
  });

  it('both are scored on the same unseen chips and compared side by side', () => {
    expect(evaluations['v1.5'].chips).toEqual(evaluations.v0.chips);
    expect(evaluations['v1.5'].chips.length).toBeGreaterThan(0);
    for (const evaluation of Object.values(evaluations)) {
      const m = evaluation.metrics;
      expect(m.tp + m.fp + m.fn + m.tn).toBeGreaterThan(0);
    }
    expect(comparison.chips).toEqual(evaluations.v0.chips);
    expect(comparison.runs.map((r) => r.runId)).toEqual(['decoder-v1.5', 'decoder-v0']);
    expect(comparison.warnings.filter((w) => /different data|different chips/.test(w))).toEqual([]);
    // The figures for the closing note (tiny random-weight encoders: this checks the pipeline, not Clay's quality).
    console.log(JSON.stringify(comparison.runs.map((r) => ({ run: r.runId, ...r.evaluation.metrics }))));
  });
});
