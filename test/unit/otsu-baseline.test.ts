// The Otsu baseline: the threshold against a hand-computed case and an independent numpy Otsu on real
// chips (skimage's formula: 256-bin np.histogram over the values' range, bin centres, argmax of the
// between-class variance), then `train --model otsu` + `evaluate` agreeing with numpy's water counts.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { otsuThreshold } from '../../src-main/engine/models/otsu.ts';
import { otsuPredictor, otsuSource, sampleOtsuThreshold } from '../../src-main/engine/run/otsu-predictor.ts';
import { inspectDataset } from '../../src-main/engine/dataset/inspect.ts';
import { trainRun } from '../../src-main/engine/training/trainer.ts';
import { evaluateRun } from '../../src-main/engine/evaluation/evaluate-run.ts';
import { LocalJobContext } from '../../src-main/engine/compute/job-context.ts';
import { hasRasterio, runPythonJson } from '../helpers/python-reference.ts';
import { hasShared, reportSkippedWithoutShared, sharedData } from '../helpers/shared.ts';

reportSkippedWithoutShared('otsu baseline on real chips');
if (!hasRasterio) console.warn('[skipped] otsu baseline vs numpy: needs /usr/bin/python3 with numpy and rasterio');

describe('otsuThreshold', () => {
  it('matches a hand-computed case: two values, first maximum wins, threshold is bin 0 centre', () => {
    // 256 bins over [0, 10]: every split k = 0..254 separates {0,0} from {10,10} equally; argmax takes k = 0.
    expect(otsuThreshold([0, 10, 0, 10])).toBeCloseTo(10 / 512, 12);
    // {0,0,1,1} vs {8,9,9,10}: bins are 10/256 wide, 1 falls in bin 25 and 8 in bin 204; splits k = 25..203 tie
    // (w1·w2·(μ1−μ2)² = 4·4·(0.498 − 8.99)²) and beat k = 0 (2·6·(0.02 − 6.33)²): t = centre of bin 25 = 25.5·10/256.
    // As in skimage, the pixels of that bin above its centre (the 1s) fall on the upper side.
    expect(otsuThreshold([0, 0, 1, 1, 8, 9, 9, 10])).toBeCloseTo((25.5 * 10) / 256, 12);
  });

  it('ignores NaN and excluded pixels; null without data; the value itself for a constant band', () => {
    expect(otsuThreshold([Number.NaN, Number.NaN])).toBeNull();
    expect(otsuThreshold([3, 3, 3])).toBe(3);
    expect(otsuThreshold([0, 10, 0, 10, 1000], [1, 1, 1, 1, 0])).toBeCloseTo(10 / 512, 12);
  });
});

const CHIPS = [
  {
    id: 'India_900498',
    file: 'sen1floods11/s1_label/India_900498_S1Hand.tif',
    band: 2,
    nodata: null,
    label: 'sen1floods11/s1_label/India_900498_LabelHand.tif',
    labelNodata: -1,
  },
  {
    id: 'Nigeria_812045',
    file: 'sen1floods11/s1_label/Nigeria_812045_S1Hand.tif',
    band: 2,
    nodata: null,
    label: 'sen1floods11/s1_label/Nigeria_812045_LabelHand.tif',
    labelNodata: -1,
  },
  { id: 'jja10', file: 'c2smsfloods-s1/jja10_vh.tif', band: 1, nodata: 0, label: 'c2smsfloods-s1/jja10.tif', labelNodata: 255 },
];

const NUMPY_OTSU = `
import json, sys, numpy as np, rasterio
out = {}
for chip in json.loads(sys.argv[1]):
    with rasterio.open(chip['file']) as src:
        v = src.read(chip['band']).astype(np.float64)
    with rasterio.open(chip['label']) as src:
        label = src.read(1)
    ok = np.isfinite(v) if chip['nodata'] is None else (np.isfinite(v) & (v != chip['nodata']))
    x = v[ok]
    counts, edges = np.histogram(x, bins=256, range=(x.min(), x.max()))
    centres = (edges[:-1] + edges[1:]) / 2
    w1 = np.cumsum(counts); w2 = np.cumsum(counts[::-1])[::-1]
    m1 = np.cumsum(counts * centres) / w1
    m2 = (np.cumsum((counts * centres)[::-1]) / w2[::-1])[::-1]
    t = float(centres[np.argmax(w1[:-1] * w2[1:] * (m1[:-1] - m2[1:]) ** 2)])
    water = ok & (v <= t)
    valid = label != chip['labelNodata']
    out[chip['id']] = {'threshold': t, 'water': int(water.sum()), 'waterOnValidLabel': int((water & valid).sum())}
print(json.dumps(out))
`;

describe.skipIf(!hasShared || !hasRasterio)('Otsu on real Sentinel-1 chips (VH, dB)', () => {
  const work = mkdtempSync(join(tmpdir(), 'floodlens-otsu-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const dataDir = join(work, 'data');
  mkdirSync(dataDir);
  symlinkSync(sharedData('sen1floods11/s1_label'), join(dataDir, 'sen1floods11'));
  symlinkSync(sharedData('c2smsfloods-s1'), join(dataDir, 'c2sms'));
  const numpy = runPythonJson<Record<string, { threshold: number; water: number; waterOnValidLabel: number }>>(NUMPY_OTSU, [
    JSON.stringify(CHIPS.map((c) => ({ ...c, file: sharedData(c.file), label: sharedData(c.label) }))),
  ]);

  it('threshold and water mask agree with numpy on every chip', async () => {
    const inspection = await inspectDataset(dataDir);
    const source = otsuSource('VH');
    const predictor = otsuPredictor();
    for (const { id } of CHIPS) {
      const sample = await source.load(inspection.chips.find((c) => c.id === id)!);
      const threshold = sampleOtsuThreshold(sample)!;
      expect(threshold, id).toBeCloseTo(numpy[id].threshold, 4);
      const prediction = await predictor.predict(sample);
      expect(prediction.mask.filter((v) => v === 1).length, id).toBe(numpy[id].water);
      // A threshold between land and water: some but not all pixels are water.
      expect(numpy[id].water, id).toBeGreaterThan(0);
    }
  });

  it('train --model otsu records its method; evaluate scores it like any run', async () => {
    const context = new LocalJobContext('otsu');
    const runDir = join(work, 'runs', 'otsu');
    const record = await trainRun({ outDir: runDir, config: { model: 'otsu', dataDir, seed: 5 } }, context);
    expect(record.model.kind).toBe('otsu');
    expect(record.baseline).toMatchObject({ method: 'otsu', band: 'VH', units: 'dB', scope: 'chip', bins: 256 });
    expect(record.data.split.val).toEqual(['Ghana_97059', 'India_900498']); // the same split a scratch run with seed 5 gets
    expect(existsSync(join(runDir, 'checkpoints'))).toBe(false);
    const evaluation = await evaluateRun({ runDir, dataDir, chips: { ids: CHIPS.map((c) => c.id) } }, context);
    for (const chip of evaluation.perChip) expect(chip.tp + chip.fp, chip.id).toBe(numpy[chip.id].waterOnValidLabel);
    expect(evaluation.model).toBe('otsu');
  }, 60_000);
});
