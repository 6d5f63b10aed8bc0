// Metrics on real labels agree with an independent numpy computation. The "prediction" is each label
// shifted by a few pixels (np.roll), exported with our GeoTIFF writer (255 where the shifted label had
// no data); numpy reads the exported masks with rasterio and recomputes every count and score.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromFile } from 'geotiff';
import { buildMetricsReport, confusionFromMask, type ChipConfusion } from '../../src-main/engine/metrics/index.ts';
import { writeGeoTiff } from '../../src-main/engine/export/geotiff-writer.ts';
import { MetricsReportSchema, SCORE_KEYS, COUNT_KEYS, type MetricsReport } from '../../src-main/api/metrics.ts';
import { hasShared, sharedData, reportSkippedWithoutShared } from '../helpers/shared.ts';
import { has, SYSTEM_PYTHON } from '../helpers/references.ts';

const PYTHON = SYSTEM_PYTHON;
const hasNumpy = has('rasterio');
reportSkippedWithoutShared('metrics-numpy');
if (!hasNumpy) console.warn(`[skipped] metrics-numpy: needs ${PYTHON} with numpy and rasterio`);

const SHIFT = { dy: 3, dx: -5 };
const LABELS: { id: string; file: string; nodata: number }[] = [
  { id: 'India_900498', file: 'sen1floods11/s1_label/India_900498_LabelHand.tif', nodata: -1 },
  { id: 'Mekong_333434', file: 'sen1floods11/s1_label/Mekong_333434_LabelHand.tif', nodata: -1 },
  { id: 'Ghana_83483', file: 'sen1floods11/s1_label/Ghana_83483_LabelHand.tif', nodata: -1 }, // 100 % not valid
  { id: 'Ghana_53713', file: 'sen1floods11/s1_label/Ghana_53713_LabelHand.tif', nodata: -1 }, // no water
  { id: 'Spain_7370579_utm30n', file: 'datacubes/Spain_7370579_utm30n_label.tif', nodata: 255 },
  { id: 'jja10', file: 'c2smsfloods-s1/jja10.tif', nodata: 255 },
  { id: 'pxs10', file: 'c2smsfloods-s1/pxs10.tif', nodata: 255 },
];

const NUMPY_METRICS = `
import json, sys, numpy as np, rasterio
spec = json.loads(sys.argv[1])
dy, dx = spec['dy'], spec['dx']
def ratio(a, b):
    return None if b == 0 else float(a) / float(b)
def scores(tp, fp, fn, tn):
    return {'dice': ratio(2*tp, 2*tp+fp+fn), 'iou': ratio(tp, tp+fp+fn), 'f1': ratio(2*tp, 2*tp+fp+fn),
            'precision': ratio(tp, tp+fp), 'recall': ratio(tp, tp+fn), 'accuracy': ratio(tp+tn, tp+fp+fn+tn)}
per_chip, total = [], np.zeros(5, dtype=np.int64)
for chip in spec['chips']:
    with rasterio.open(chip['label']) as src:
        label = src.read(1)
    shifted = np.roll(label, (dy, dx), axis=(0, 1))
    expected_mask = np.where(shifted == chip['nodata'], 255, (shifted == 1).astype(np.uint8)).astype(np.uint8)
    with rasterio.open(chip['mask']) as m:
        mask = m.read(1)
        assert m.nodata == 255 and m.dtypes[0] == 'uint8'
    assert np.array_equal(mask, expected_mask), chip['id']
    valid = label != chip['nodata']
    water = mask == 1
    truth = label == 1
    tp = int(np.sum(valid & water & truth)); fp = int(np.sum(valid & water & ~truth))
    fn = int(np.sum(valid & ~water & truth)); tn = int(np.sum(valid & ~water & ~truth))
    ignored = int(np.sum(~valid))
    total += [tp, fp, fn, tn, ignored]
    per_chip.append({'id': chip['id'], **scores(tp, fp, fn, tn), 'tp': tp, 'fp': fp, 'fn': fn, 'tn': tn, 'ignored': ignored})
keys = ['dice', 'iou', 'f1', 'precision', 'recall', 'accuracy']
mean = {}
counted = {}
for k in keys:
    vals = np.array([c[k] for c in per_chip if c[k] is not None], dtype=np.float64)
    mean[k] = float(vals.mean()) if vals.size else None
    counted[k] = int(vals.size)
tp, fp, fn, tn, ignored = (int(v) for v in total)
print(json.dumps({'metrics': {**scores(tp, fp, fn, tn), 'tp': tp, 'fp': fp, 'fn': fn, 'tn': tn, 'ignored': ignored},
                  'perChipMean': {**mean, 'chips': len(per_chip), 'chipsCounted': counted}, 'perChip': per_chip}))
`;

function roll(label: ArrayLike<number>, width: number, height: number, dy: number, dx: number, out: Int16Array | Uint8Array): void {
  for (let y = 0; y < height; y++) {
    const sy = (((y - dy) % height) + height) % height;
    for (let x = 0; x < width; x++) out[y * width + x] = label[sy * width + ((((x - dx) % width) + width) % width)];
  }
}

describe.skipIf(!hasShared || !hasNumpy)('metrics agree with numpy on real labels and exported masks', () => {
  let dir: string;
  let ours: MetricsReport;
  let numpy: MetricsReport;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'metrics-np-'));
    const chips: ChipConfusion[] = [];
    for (const { id, file, nodata } of LABELS) {
      const image = await (await fromFile(sharedData(file))).getImage();
      const [label] = (await image.readRasters()) as unknown as (Int16Array | Uint8Array)[];
      const width = image.getWidth();
      const height = image.getHeight();
      const shifted = new (label.constructor as new (n: number) => Int16Array | Uint8Array)(label.length);
      roll(label, width, height, SHIFT.dy, SHIFT.dx, shifted);
      const mask = Uint8Array.from(shifted, (v) => (v === nodata ? 255 : v === 1 ? 1 : 0));
      chips.push({ id, counts: confusionFromMask(mask, label, { labelNodata: nodata }) });
      const keys = image.getGeoKeys() as { ProjectedCSTypeGeoKey?: number; GeographicTypeGeoKey?: number };
      const [x0, y0] = image.getOrigin();
      const [px, py] = image.getResolution();
      await writeGeoTiff(join(dir, `${id}_mask.tif`), {
        width,
        height,
        dtype: 'uint8',
        bands: [mask],
        epsg: (keys.ProjectedCSTypeGeoKey ?? keys.GeographicTypeGeoKey)!,
        geoTransform: [x0, px, 0, y0, 0, py],
        nodata: 255,
      });
    }
    ours = buildMetricsReport(chips);
    const spec = {
      ...SHIFT,
      chips: LABELS.map(({ id, file, nodata }) => ({ id, nodata, label: sharedData(file), mask: join(dir, `${id}_mask.tif`) })),
    };
    numpy = JSON.parse(execFileSync(PYTHON, ['-c', NUMPY_METRICS, JSON.stringify(spec)], { encoding: 'utf8' }));
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const close = (a: number | null, b: number | null, what: string) => {
    if (b === null) expect(a, what).toBeNull();
    else expect(a!, what).toBeCloseTo(b, 12);
  };

  it('per-chip counts are identical and scores agree, including the all-invalid and no-water chips', () => {
    expect(ours.perChip.map((c) => c.id)).toEqual(numpy.perChip.map((c) => c.id));
    ours.perChip.forEach((chip, i) => {
      const ref = numpy.perChip[i];
      for (const key of COUNT_KEYS) expect(chip[key], `${chip.id}.${key}`).toBe(ref[key]);
      for (const key of SCORE_KEYS) close(chip[key], ref[key], `${chip.id}.${key}`);
    });
    const ghanaInvalid = ours.perChip.find((c) => c.id === 'Ghana_83483')!;
    expect(ghanaInvalid.ignored).toBe(512 * 512);
    expect(ghanaInvalid.accuracy).toBeNull();
    const ghanaDry = ours.perChip.find((c) => c.id === 'Ghana_53713')!;
    expect(ghanaDry.tp + ghanaDry.fn).toBe(0);
    expect(ghanaDry.recall).toBeNull();
    // a shifted copy is a good but imperfect prediction on chips with water
    const india = ours.perChip.find((c) => c.id === 'India_900498')!;
    expect(india.iou!).toBeGreaterThan(0.3);
    expect(india.iou!).toBeLessThan(1);
  });

  it('global and per-chip-mean aggregates agree with numpy', () => {
    for (const key of COUNT_KEYS) expect(ours.metrics[key], key).toBe(numpy.metrics[key]);
    for (const key of SCORE_KEYS) {
      close(ours.metrics[key], numpy.metrics[key], `global ${key}`);
      close(ours.perChipMean[key], numpy.perChipMean[key], `mean ${key}`);
      expect(ours.perChipMean.chipsCounted[key], key).toBe(numpy.perChipMean.chipsCounted[key]);
    }
    expect(ours.perChipMean.chips).toBe(LABELS.length);
    expect(MetricsReportSchema.safeParse(ours).success).toBe(true);
    expect(MetricsReportSchema.safeParse(numpy).success).toBe(true);
  });
});
