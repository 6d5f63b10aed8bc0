import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunRecordSchema, type EvaluationRecord, type RunRecord } from '../../src-main/api/run.ts';
import { JobCancelledError } from '../../src-main/api/jobs.ts';
import { runJob } from '../../src-main/engine/jobs/worker-host.ts';
import { inspectDataset } from '../../src-main/engine/dataset/inspect.ts';
import { pixelAreaM2ByRow } from '../../src-main/engine/geo/pixel-area.ts';
import { repoRoot } from '../helpers/shared.ts';
import { hasRasterio, runPythonJson } from '../helpers/python-reference.ts';

// The bundled demo: real Sen1Floods11 + C2S-MS chips, so this runs from a clone alone.
const demo = resolve(repoRoot, 'resources/demo');
const work = mkdtempSync(join(tmpdir(), 'floodlens-pipeline-'));
const runDir = join(work, 'run-scratch');
const config = {
  model: 'scratch' as const,
  dataDir: demo,
  epochs: 2,
  batchSize: 2,
  chipSize: 64,
  cropsPerChip: 1,
  valSplit: 0.2,
  testSplit: 0.2,
  seed: 3,
  patience: 0,
};

afterAll(() => rmSync(work, { recursive: true, force: true }));

const readRecord = (dir: string): RunRecord => RunRecordSchema.parse(JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')));

describe('train → evaluate → predict on the demo chips (scratch net, worker thread)', () => {
  let record: RunRecord;

  beforeAll(async () => {
    // Cancel during the first epoch, then resume: the run must finish with its history intact.
    const controller = new AbortController();
    const cancelled = runJob(
      'train',
      { outDir: runDir, config },
      { signal: controller.signal, onProgress: (p) => p.phase === 'train' && controller.abort() },
    );
    await expect(cancelled).rejects.toBeInstanceOf(JobCancelledError);
    expect(readRecord(runDir).status).toBe('cancelled');
    record = await runJob('train', { outDir: runDir, resume: true });
  }, 600_000);

  it('records config, seed, data fingerprint, split, backend, versions and per-epoch metrics', () => {
    expect(record.status).toBe('completed');
    expect(record.config).toMatchObject(config);
    expect(record.data.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(record.data.inputBands).toEqual(['VH', 'VV']);
    const { train, val, test } = record.data.split;
    expect(train.length + val.length + test.length).toBe(record.data.chips);
    expect(val.length).toBeGreaterThan(0);
    expect(test.length).toBeGreaterThan(0);
    expect(record.backend.name).toMatch(/^(node-gpu|node|wasm|cpu)$/);
    expect(record.epochs.map((e) => e.epoch)).toEqual([1, 2]);
    expect(record.timings.resumedTimes).toBe(1);
    for (const epoch of record.epochs) {
      expect(Number.isFinite(epoch.trainLoss)).toBe(true);
      expect(epoch.val).not.toBeNull();
    }
    expect(existsSync(join(runDir, 'checkpoints', 'best.flck'))).toBe(true);
    expect(existsSync(join(runDir, 'checkpoints', 'last.flck'))).toBe(true);
  });

  it('refuses to overwrite a run, and to resume one that does not exist', async () => {
    await expect(runJob('train', { outDir: runDir, config })).rejects.toThrow(/already exists/);
    await expect(runJob('train', { outDir: join(work, 'nothing'), resume: true })).rejects.toThrow(/nothing to resume/);
  });

  describe('evaluate and predict agree with an independent reading of the exported GeoTIFFs', () => {
    let evaluation: EvaluationRecord;
    const predictions = join(work, 'predictions');

    beforeAll(async () => {
      evaluation = await runJob('evaluate', { runDir, dataDir: demo, chips: 'all' });
      await runJob('predict', { runDir, dataDir: demo, outDir: predictions, probabilities: true, chips: 'all' });
    }, 600_000);

    it('writes eval-all.json with global, per-chip-mean and per-chip metrics', () => {
      const saved = JSON.parse(readFileSync(join(runDir, 'eval-all.json'), 'utf8')) as EvaluationRecord;
      expect(saved.metrics).toEqual(evaluation.metrics);
      expect(saved.perChip.map((c) => c.id).sort()).toEqual(evaluation.chips.slice().sort());
      const sum = (key: 'tp' | 'fp' | 'fn' | 'tn') => evaluation.perChip.reduce((s, c) => s + c[key], 0);
      expect(evaluation.metrics.tp).toBe(sum('tp'));
      expect(evaluation.metrics.fn).toBe(sum('fn'));
    });

    it('reports predicted and labelled water in km² per chip, consistent with the confusion counts', async () => {
      const inspection = await inspectDataset(demo);
      const areas = evaluation.areas!;
      expect(areas.perChip.map((c) => c.id).sort()).toEqual(evaluation.chips.slice().sort());
      expect(areas.total.labelWaterKm2).toBeCloseTo(
        areas.perChip.reduce((s, c) => s + c.labelWaterKm2, 0),
        9,
      );
      for (const area of areas.perChip) {
        const chip = inspection.chips.find((c) => c.id === area.id)!;
        const counts = evaluation.perChip.find((c) => c.id === area.id)!;
        const grid = {
          crs: { epsg: chip.epsg, proj4: chip.proj4!, isGeographic: chip.epsg === 4326 },
          geoTransform: chip.geoTransform!,
          width: chip.width!,
          height: chip.height!,
        };
        const areaOfRow = pixelAreaM2ByRow(grid);
        const [smallest, largest] = [areaOfRow(0), areaOfRow(chip.height! - 1)].sort((a, b) => a - b).map((a) => a / 1e6);
        expect(area.predictedWaterKm2).toBeGreaterThanOrEqual((counts.tp + counts.fp) * smallest * (1 - 1e-12));
        expect(area.predictedWaterKm2).toBeLessThanOrEqual((counts.tp + counts.fp) * largest * (1 + 1e-12));
        expect(area.labelWaterKm2).toBeGreaterThanOrEqual((counts.tp + counts.fn) * smallest * (1 - 1e-12));
        expect(area.labelWaterKm2).toBeLessThanOrEqual((counts.tp + counts.fn) * largest * (1 + 1e-12));
      }
    });

    it('exports masks on the source grid (GDAL) whose metrics equal evaluate (numpy)', async () => {
      const inspection = await inspectDataset(demo);
      for (const chip of inspection.chips.filter((c) => evaluation.chips.includes(c.id))) {
        const mask = join(predictions, `${chip.id}_mask.tif`);
        const info = JSON.parse(execFileSync('gdalinfo', ['-json', mask], { encoding: 'utf8' }));
        expect(info.size).toEqual([chip.width, chip.height]);
        expect(info.stac['proj:epsg']).toBe(chip.epsg);
        info.geoTransform.forEach((v: number, i: number) => expect(v).toBeCloseTo(chip.geoTransform![i], 9));
        expect(info.bands[0].type).toBe('Byte');
        expect(info.bands[0].noDataValue).toBe(255);
        expect(info.metadata.IMAGE_STRUCTURE.COMPRESSION).toBe('DEFLATE');
        expect(info.metadata[''].FLOODLENS_RUN).toBe('run-scratch');
        const prob = JSON.parse(execFileSync('gdalinfo', ['-json', join(predictions, `${chip.id}_prob.tif`)], { encoding: 'utf8' }));
        expect(prob.bands[0].type).toBe('Float32');
      }
      if (!hasRasterio) {
        console.warn('[skipped] metrics from exported masks: python3-rasterio not installed');
        return;
      }
      const pairs = inspection.chips
        .filter((c) => evaluation.chips.includes(c.id))
        .map((c) => ({
          id: c.id,
          mask: join(predictions, `${c.id}_mask.tif`),
          label: c.labelFile,
          notValid: c.label!.encoding.notValid.filter((v) => v !== 'NaN'),
        }));
      const counts = runPythonJson<Record<string, { tp: number; fp: number; fn: number; tn: number; ignored: number }>>(
        `
import json, sys, numpy as np, rasterio
out = {}
for p in json.loads(sys.argv[1]):
    m = rasterio.open(p['mask']).read(1)
    l = rasterio.open(p['label']).read(1).astype('float64')
    valid = ~np.isnan(l)
    for v in p['notValid']:
        valid &= l != v
    water = (m == 1)
    out[p['id']] = dict(tp=int((water & valid & (l == 1)).sum()), fp=int((water & valid & (l == 0)).sum()),
                        fn=int((~water & valid & (l == 1)).sum()), tn=int((~water & valid & (l == 0)).sum()), ignored=int((~valid).sum()))
print(json.dumps(out))
`,
        [JSON.stringify(pairs)],
      );
      for (const chip of evaluation.perChip) {
        expect(counts[chip.id], chip.id).toEqual({ tp: chip.tp, fp: chip.fp, fn: chip.fn, tn: chip.tn, ignored: chip.ignored });
      }
    });
  });
});
