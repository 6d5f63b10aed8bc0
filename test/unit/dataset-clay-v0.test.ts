/**
 * Clay v0 batch record: latlon/timestep formulas (against the seed example and the values Clay's own code
 * produced in ../shared/fixtures/clay-v0), and normalisation of a real datacube against a numpy/rasterio
 * computation that picks bands by their descriptions.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inspectDataset } from '../../src-main/engine/dataset/inspect.ts';
import {
  CLAY_V0_BANDS,
  CLAY_V0_MEAN,
  CLAY_V0_STD,
  clayLatLon,
  clayLatLonForBbox,
  clayTimestep,
  toClayV0Batch,
} from '../../src-main/engine/dataset/clay-v0.ts';
import { proj4ForEpsg } from '../../src-main/engine/geo/crs.ts';
import { hasShared, reportSkippedWithoutShared, repoRoot, sharedFixture } from '../helpers/shared.ts';
import { needs, SYSTEM_PYTHON } from '../helpers/references.ts';

const SEED_BBOX: [number, number, number, number] = [661415, 5369305, 666535, 5374425];
const round4 = (values: ArrayLike<number>) => Array.from(values, (v) => Number(v.toFixed(4)));
const python = SYSTEM_PYTHON;
const hasRasterio = needs('numpy/rasterio reference', 'rasterio');
reportSkippedWithoutShared('Clay v0 places from ../shared/fixtures/clay-v0');

describe('Clay v0 latlon / timestep', () => {
  it('reproduces the seed example with latlonFromProjectedCentroid (UTM metres fed as degrees)', () => {
    const latlon = clayLatLonForBbox(SEED_BBOX, proj4ForEpsg(32633)!, 32633, { latlonFromProjectedCentroid: true });
    expect(round4(latlon)).toEqual([-0.8192, -0.7854]);
    expect(round4(clayTimestep('2020-10-20'))).toEqual([-1.2217, 2.7132, -2.4086]);
  });

  it('default uses the true WGS84 centre (as rasterio lnglat + Clay normalize_latlon)', () => {
    const latlon = clayLatLonForBbox(SEED_BBOX, proj4ForEpsg(32633)!, 32633);
    expect(latlon[0]).toBeCloseTo(0.74870718, 7);
    expect(latlon[1]).toBeCloseTo(1.27027071, 7);
  });

  it.skipIf(!hasShared)('matches every place computed by Clay v0.0.1 code in the shared fixture', () => {
    const index = JSON.parse(readFileSync(sharedFixture('clay-v0/clay-v0-tiny.json'), 'utf8')) as {
      places: { lon: number; lat: number; date: string; latlon_float64: number[]; timestep_float64: number[] }[];
    };
    expect(index.places.length).toBeGreaterThanOrEqual(2);
    for (const place of index.places) {
      clayLatLon(place.lon, place.lat).forEach((v, i) => expect(v).toBeCloseTo(place.latlon_float64[i], 12));
      clayTimestep(place.date).forEach((v, i) => expect(v).toBeCloseTo(place.timestep_float64[i], 12));
    }
  });
});

describe('Clay v0 batch record from real chips', () => {
  const fixtures = resolve(repoRoot, 'test/fixtures/data');

  it('C2S-MS chip: S1 only → 11 missing bands are 0 and reported; date required', async () => {
    const [chip] = (await inspectDataset(join(fixtures, 'c2smsfloods'))).chips;
    await expect(toClayV0Batch(chip)).rejects.toMatchObject({ code: 'no-date' });
    const batch = await toClayV0Batch(chip, { fallbackDate: '2020-10-20' });
    const plane = 64 * 64;
    expect(batch.pixelsShape).toEqual([13, 64, 64]);
    expect(batch.missingBands).toEqual(['B02', 'B03', 'B04', 'B05', 'B06', 'B07', 'B08', 'B8A', 'B11', 'B12', 'DEM']);
    expect(batch.pixels.subarray(0, 10 * plane).every((v) => v === 0)).toBe(true);
    expect(batch.pixels.every(Number.isFinite)).toBe(true);
    expect(batch.epsg).toBe(32721);
    expect(Array.from(batch.bbox)).toEqual(chip.bbox);
    expect(batch.labels.length).toBe(plane);
    expect(batch.labelValid!.every((v) => v === 1)).toBe(true);
    expect(batch.source_url).toBe(chip.files[0]);
  });

  it.skipIf(!hasRasterio)('datacube chip: normalised pixels equal numpy (bands by description, dB → linear, VH before VV)', async () => {
    const [chip] = (await inspectDataset(join(fixtures, 'datacubes'))).chips;
    const batch = await toClayV0Batch(chip, { fallbackDate: '2019-09-17' });
    expect(batch.missingBands).toEqual(['DEM']);
    const dir = mkdtempSync(join(tmpdir(), 'floodlens-clay-'));
    try {
      const out = join(dir, 'expected.f32');
      const script = `
import json, sys, numpy as np, rasterio
order, mean, std = json.loads(sys.argv[2]), json.loads(sys.argv[3]), json.loads(sys.argv[4])
with rasterio.open(sys.argv[1]) as ds:
    data = ds.read().astype(np.float64)
    names = list(ds.descriptions)
planes = []
for band, m, s in zip(order, mean, std):
    if band not in names:
        planes.append(np.zeros(data.shape[1:])); continue
    x = data[names.index(band)]
    if band in ("VV", "VH"):
        x = 10 ** (x / 10)
    x = (x - m) / s
    planes.append(np.where(np.isnan(x), 0, x))
np.stack(planes).astype("<f4").tofile(sys.argv[5])
`;
      execFileSync(python, [
        '-c',
        script,
        chip.files[0],
        JSON.stringify(CLAY_V0_BANDS),
        JSON.stringify(CLAY_V0_MEAN),
        JSON.stringify(CLAY_V0_STD),
        out,
      ]);
      const expected = new Float32Array(readFileSync(out).buffer.slice(0));
      expect(existsSync(out)).toBe(true);
      expect(expected.length).toBe(batch.pixels.length);
      let maxDiff = 0;
      for (let i = 0; i < expected.length; i++) maxDiff = Math.max(maxDiff, Math.abs(expected[i] - batch.pixels[i]));
      expect(maxDiff).toBeLessThan(1e-5);
      // VH (index 10) must differ from VV (index 11): a swapped order would still be "close" only by accident.
      const plane = 64 * 64;
      expect(batch.pixels.subarray(10 * plane, 11 * plane)).not.toEqual(batch.pixels.subarray(11 * plane, 12 * plane));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
