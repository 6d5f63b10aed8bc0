/**
 * Chip reader on the in-repo real fixtures (test/fixtures/data, 64×64 crops of real chips): layout
 * detection, header fields against gdalinfo, WGS84 corners against gdaltransform, labels, readChip,
 * manifest. Runs without ../shared.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DatasetInspectionSchema, MANIFEST_FILE_NAME, type ManifestInput } from '../../src-main/api/dataset.ts';
import { inspectDataset } from '../../src-main/engine/dataset/inspect.ts';
import { readChip } from '../../src-main/engine/dataset/read.ts';
import { repoRoot } from '../helpers/shared.ts';
import { expectCornersMatchGdaltransform, expectMatchesGdal, hasGdal } from './dataset-gdal.helpers.ts';

const fixtures = resolve(repoRoot, 'test/fixtures/data');
describe('in-repo fixtures: one real chip per layout', () => {
  it('detects Sen1Floods11 and reads bands from descriptions', async () => {
    const report = await inspectDataset(join(fixtures, 'sen1floods11'));
    DatasetInspectionSchema.parse(report);
    expect(report.layout).toBe('sen1floods11');
    expect(report.chips).toHaveLength(1);
    const chip = report.chips[0];
    expect(chip.id).toBe('Spain_7370579');
    expect(chip.epsg).toBe(4326);
    expect(chip.width).toBe(64);
    expect(chip.bands).toEqual(['VV', 'VH', 'B01', 'B02', 'B03', 'B04', 'B05', 'B06', 'B07', 'B08', 'B8A', 'B09', 'B10', 'B11', 'B12']);
    expect(chip.s1Units).toBe('dB');
    expect(chip.date).toBe('2019-09-17');
    expect(chip.label!.encoding.notValid).toContain(-1);
    expect(chip.errors).toEqual([]);
    expect(chip.bboxWgs84).toEqual(chip.bbox);
    if (hasGdal) expectMatchesGdal(chip);
  });

  it('detects C2S-MS per-band files with label <id>.tif', async () => {
    const report = await inspectDataset(join(fixtures, 'c2smsfloods'));
    expect(report.layout).toBe('c2smsfloods');
    const chip = report.chips[0];
    expect(chip.id).toBe('jja10');
    expect(chip.epsg).toBe(32721);
    expect(chip.bands).toEqual(['VV', 'VH']);
    expect(chip.pixelSize).toEqual([10, 10]);
    expect(chip.date).toBeNull();
    expect(chip.label!.encoding.notValid).toContain(255);
    if (hasGdal) {
      expectMatchesGdal(chip);
      expectCornersMatchGdaltransform(chip);
    }
  });

  it('detects a datacube, reads band names from GDAL metadata, reports the all-NaN DEM', async () => {
    const report = await inspectDataset(join(fixtures, 'datacubes'));
    expect(report.layout).toBe('datacube');
    const chip = report.chips[0];
    expect(chip.bands).toEqual(['B02', 'B03', 'B04', 'B05', 'B06', 'B07', 'B08', 'B8A', 'B11', 'B12', 'VV', 'VH', 'DEM']);
    expect(chip.emptyBands).toEqual(['DEM']);
    expect(chip.errors).toEqual([expect.objectContaining({ code: 'all-nan-band', severity: 'warning' })]);
    expect(report.summary.bandsMissing).toEqual(['DEM']);
    if (hasGdal) {
      expectMatchesGdal(chip);
      expectCornersMatchGdaltransform(chip);
    }
  });

  it('finds all three layouts in one tree (mixed)', async () => {
    const report = await inspectDataset(fixtures);
    expect(report.layout).toBe('mixed');
    expect(report.chips.map((c) => c.layout).sort()).toEqual(['c2smsfloods', 'datacube', 'sen1floods11']);
    expect(report.errors).toEqual([]);
  });

  it('follows symbolic links to data elsewhere, and survives a link cycle', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'floodlens-links-'));
    try {
      symlinkSync(join(fixtures, 'sen1floods11'), join(dir, 'linked-sen1floods11'));
      symlinkSync(join(fixtures, 'c2smsfloods', 'jja10_vv.tif'), join(dir, 'jja10_vv.tif'));
      symlinkSync(join(fixtures, 'c2smsfloods', 'jja10_vh.tif'), join(dir, 'jja10_vh.tif'));
      symlinkSync(join(fixtures, 'c2smsfloods', 'jja10.tif'), join(dir, 'jja10.tif'));
      symlinkSync(dir, join(dir, 'loop'));
      const report = await inspectDataset(dir);
      expect(report.chips.map((c) => c.id).sort()).toEqual(['Spain_7370579', 'jja10']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('readChip returns pixels in a chosen order with NaN for nodata/missing and label masks', async () => {
    const [chip] = (await inspectDataset(join(fixtures, 'c2smsfloods'))).chips;
    const raster = await readChip(chip, { bands: ['VH', 'DEM', 'VV'] });
    const plane = 64 * 64;
    expect(raster.present).toEqual([true, false, true]);
    expect(raster.pixels.length).toBe(3 * plane);
    expect(raster.pixels.subarray(plane, 2 * plane).every(Number.isNaN)).toBe(true);
    // independent reference: the same pixel via gdallocationinfo-free route (gdal_translate to ASCII grid)
    if (hasGdal) {
      const xyz = execFileSync('gdal_translate', ['-q', '-of', 'XYZ', chip.files[1], '/vsistdout/'], { encoding: 'utf8' });
      const values = xyz
        .trim()
        .split('\n')
        .map((l) => Number(l.trim().split(/\s+/)[2]));
      expect(values).toHaveLength(plane);
      values.forEach((v, i) => {
        if (v === 0)
          expect(raster.pixels[i]).toBeNaN(); // nodata 0
        else expect(raster.pixels[i]).toBeCloseTo(v, 4);
      });
    }
    const water = raster.label!.water.reduce((a, b) => a + b, 0);
    expect(water / raster.label!.valid.reduce((a, b) => a + b, 0)).toBeCloseTo(chip.label!.waterFraction!, 12);
  });
});

describe('explicit manifest', () => {
  const dir = mkdtempSync(join(tmpdir(), 'floodlens-manifest-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('uses manifest band names, label encoding, units and date', async () => {
    cpSync(join(fixtures, 'c2smsfloods/jja10_vv.tif'), join(dir, 'radar_a.tif'));
    cpSync(join(fixtures, 'c2smsfloods/jja10_vh.tif'), join(dir, 'radar_b.tif'));
    cpSync(join(fixtures, 'c2smsfloods/jja10.tif'), join(dir, 'mask.tif'));
    const manifest: ManifestInput = {
      chips: [
        {
          id: 'custom-1',
          files: [
            { path: 'radar_a.tif', bands: ['VV'] },
            { path: 'radar_b.tif', bands: ['VH'] },
          ],
          label: { path: 'mask.tif', water: 1, notWater: 0, notValid: [255] },
          s1Units: 'dB',
          date: '2020-10-20',
        },
      ],
    };
    writeFileSync(join(dir, MANIFEST_FILE_NAME), JSON.stringify(manifest));
    const report = await inspectDataset(dir);
    expect(report.layout).toBe('manifest');
    const chip = report.chips[0];
    expect(chip).toMatchObject({
      id: 'custom-1',
      bands: ['VV', 'VH'],
      date: '2020-10-20',
      dateSource: 'manifest',
      s1Units: 'dB',
      s1UnitsSource: 'manifest',
      epsg: 32721,
    });
    const reference = (await inspectDataset(join(fixtures, 'c2smsfloods'))).chips[0];
    expect(chip.label!.waterFraction).toBe(reference.label!.waterFraction);
  });

  it('an invalid manifest is a bad-manifest error, not a crash', async () => {
    writeFileSync(join(dir, MANIFEST_FILE_NAME), JSON.stringify({ chips: [{ id: 'x', files: [{ path: 'a.tif', bands: ['B99'] }] }] }));
    const report = await inspectDataset(dir);
    expect(report.chips).toEqual([]);
    expect(report.errors).toEqual([expect.objectContaining({ code: 'bad-manifest' })]);
    expect(report.errors[0].message).toMatch(/chips\.0\.files\.0\.bands\.0/);
  });

  it('manifest band count must match the file (wrong-band-count)', async () => {
    writeFileSync(
      join(dir, MANIFEST_FILE_NAME),
      JSON.stringify({ chips: [{ id: 'y', files: [{ path: 'radar_a.tif', bands: ['VV', 'VH'] }], date: null }] }),
    );
    const report = await inspectDataset(dir);
    expect(report.chips[0].errors).toEqual([expect.objectContaining({ code: 'wrong-band-count', file: join(dir, 'radar_a.tif') })]);
  });
});
