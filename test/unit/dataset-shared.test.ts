/**
 * The chip reader on every real file in ../shared/data, checked against independent references:
 * gdalinfo -json (EPSG, bbox, size, band count, nodata, dtype, descriptions), gdaltransform (WGS84 corners),
 * numpy + rasterio (label water/valid fractions). Plus the CLI's --json document.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DatasetInspectionSchema, type DatasetInspection } from '../../src-main/api/dataset.ts';
import { inspectDataset } from '../../src-main/engine/dataset/inspect.ts';
import { runCli } from '../../src-main/cli/main.ts';
import { hasShared, reportSkippedWithoutShared, repoRoot, sharedData } from '../helpers/shared.ts';
import { expectCornersMatchGdaltransform, expectMatchesGdal, hasGdal } from './dataset-gdal.helpers.ts';
import { has, SYSTEM_PYTHON } from '../helpers/references.ts';

reportSkippedWithoutShared('chip reader on ../shared/data');
const python = SYSTEM_PYTHON;
const hasRasterio = has('rasterio');

const FOLDERS = [
  { dir: 'sen1floods11', layout: 'sen1floods11', chips: 11 },
  { dir: 'c2smsfloods-s1', layout: 'c2smsfloods', chips: 2 },
  { dir: 'datacubes', layout: 'datacube', chips: 3 },
] as const;

describe.skipIf(!hasShared)('real shared data', () => {
  const reports = new Map<string, DatasetInspection>();
  beforeAll(async () => {
    for (const folder of FOLDERS) reports.set(folder.dir, await inspectDataset(sharedData(folder.dir)));
  });
  const allChips = () => [...reports.values()].flatMap((r) => r.chips);

  it('detects each folder layout, every chip, and leaves no file unmatched', () => {
    for (const folder of FOLDERS) {
      const report = reports.get(folder.dir)!;
      DatasetInspectionSchema.parse(report);
      expect(report.layout).toBe(folder.layout);
      expect(report.chips).toHaveLength(folder.chips);
      expect(report.errors).toEqual([]);
    }
    const files = FOLDERS.flatMap((f) =>
      readdirSync(sharedData(f.dir), { recursive: true })
        .map(String)
        .filter((n) => n.endsWith('.tif'))
        .map((n) => sharedData(f.dir, n)),
    );
    const covered = new Set(allChips().flatMap((c) => [...c.files, ...(c.labelFile ? [c.labelFile] : [])]));
    expect(files.filter((f) => !covered.has(f))).toEqual([]);
  });

  it.skipIf(!hasGdal)('EPSG, bbox, size, band count, nodata, dtype, descriptions match gdalinfo -json on every file', () => {
    for (const chip of allChips()) expectMatchesGdal(chip);
  });

  it.skipIf(!hasGdal)('WGS84 corners match gdaltransform within 1e-6° on every chip', () => {
    for (const chip of allChips()) expectCornersMatchGdaltransform(chip);
  });

  it.skipIf(!hasRasterio)('label water/valid fractions match numpy on every labelled chip', () => {
    const chips = allChips().filter((c) => c.label);
    const script = `
import json, sys, numpy as np, rasterio
out = []
for path in json.loads(sys.argv[1]):
    with rasterio.open(path) as ds:
        a = ds.read(1)
    valid = (a == 0) | (a == 1)
    out.append([float(valid.mean()), float((a == 1).sum() / valid.sum()) if valid.sum() else 0.0])
print(json.dumps(out))
`;
    const result = JSON.parse(
      execFileSync(python, ['-c', script, JSON.stringify(chips.map((c) => c.labelFile))], { encoding: 'utf8' }),
    ) as number[][];
    chips.forEach((chip, i) => {
      expect(chip.label!.validFraction, chip.id).toBeCloseTo(result[i][0], 12);
      expect(chip.label!.waterFraction, chip.id).toBeCloseTo(result[i][1], 12);
    });
  });

  it('reports the documented edge cases', () => {
    const byId = new Map(allChips().map((c) => [c.id, c]));
    expect(byId.get('Ghana_83483')!.label!.validFraction).toBe(0);
    expect(byId.get('Ghana_53713')!.label!.waterPixels).toBe(0);
    const paraguay = byId.get('Paraguay_34417')!;
    expect(paraguay.emptyBands).toEqual(['VV', 'VH']);
    expect(paraguay.errors).toEqual([
      expect.objectContaining({ code: 'all-nan-band', severity: 'error', file: expect.stringContaining('Paraguay_34417_S1Hand.tif') }),
    ]);
    expect(paraguay.label!.waterPixels).toBeGreaterThan(0);
    expect(byId.get('Nigeria_812045')!.emptyBands).toEqual([]);
    expect(byId.get('Spain_7370579')!.date).toBe('2019-09-17');
    expect(byId.get('Mekong_333434')!.date).toBe('2018-08-05');
    expect(byId.get('jja10')!.epsg).toBe(32721);
    expect(byId.get('pxs10')!.epsg).toBe(32646);
    expect(byId.get('Spain_7370579_utm30n')!.epsg).toBe(32630);
    for (const chip of allChips()) if (chip.id !== 'Paraguay_34417') expect(chip.s1Units, chip.id).toBe('dB');
    // datacube radar band order comes from the descriptions: file index 10 is VV here (not Clay's VH).
    const cube = byId.get('c2sms_jja10')!;
    expect(cube.bandDetails[10]).toMatchObject({ name: 'VV', index: 10 });
  });

  it('dataset inspect --json prints exactly one JSON document (spawned CLI)', () => {
    const result = spawnSync('npx', ['tsx', 'src-main/cli/main.ts', 'dataset', 'inspect', sharedData(), '--json'], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    expect(result.status, result.stderr).toBe(0);
    const doc = JSON.parse(result.stdout) as DatasetInspection;
    expect(doc.layout).toBe('mixed');
    expect(doc.chips).toHaveLength(16);
    for (const chip of doc.chips) {
      for (const key of ['id', 'epsg', 'bbox', 'bboxWgs84', 'width', 'height', 'bands', 'date', 'label', 'errors'])
        expect(chip, chip.id).toHaveProperty(key);
      expect(chip.bboxWgs84![0]).toBeLessThan(chip.bboxWgs84![2]);
      expect(chip.bboxWgs84![1]).toBeLessThan(chip.bboxWgs84![3]);
      if (chip.label) expect(Object.keys(chip.label)).toEqual(expect.arrayContaining(['waterFraction', 'validFraction']));
    }
  });
});

describe('dataset inspect exit codes', () => {
  it('exits non-zero only when nothing could be read', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'floodlens-empty-'));
    try {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runCli(['dataset', 'inspect', empty, '--json'], { stdout: (t) => out.push(t), stderr: (t) => err.push(t) });
      expect(code).toBe(1);
      expect(JSON.parse(out.join('')).layout).toBe('empty');
      expect(err.join('')).toMatch(/no chip could be read/);
      const ok = await runCli(['dataset', 'inspect', join(repoRoot, 'test/fixtures/data')], {
        stdout: (t) => out.push(t),
        stderr: () => {},
      });
      expect(ok).toBe(0);
      expect(out.join('')).toMatch(/Summary for .*\n {2}chips 3 \(3 readable\), layout mixed/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
