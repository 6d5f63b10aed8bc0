import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inspectDataset } from '../../src-main/engine/dataset/inspect.ts';
import { clayInputForChip } from '../../src-main/engine/embedding/clay-inputs.ts';
import { clayV15LatLon, clayV15Time, isoWeek } from '../../src-main/engine/embedding/clay-time-location.ts';
import { CLAY_V15_SENTINEL1, CLAY_V15_SENTINEL2 } from '../../src-main/engine/embedding/clay-v15-metadata.ts';
import { CLAY_V0_BANDS, CLAY_V0_MEAN, CLAY_V0_STD } from '../../src-main/engine/dataset/clay-v0.ts';
import { checkpointEpoch, epochFromName } from '../../src-main/engine/probe/checkpoint-epoch.ts';
import { hasShared, reportSkippedWithoutShared, sharedData, sharedFixture } from '../helpers/shared.ts';
import { hasRasterio, runPythonJson } from '../helpers/python-reference.ts';

reportSkippedWithoutShared('embedding inputs (Clay v1.5 metadata, time/latlon, real chips)');

interface FixtureSet {
  platform: string;
  band_order: string[];
  waves_um: number[];
  gsd_m: number;
  datetimes_utc: string[];
  datetime_inputs: string[];
  iso_week: number[];
  places: { lat: number; lon: number }[];
  time_float64: number[][];
  latlon_float64: number[][];
  latlon_training_order_float64: number[][];
  metadata_mean: number[];
  metadata_std: number[];
}

describe('checkpoint epochs', () => {
  it('reads Lightning-style names and prefers the stored epoch', () => {
    expect(epochFromName('/x/clay-epoch=07-step=1200.ckpt')).toBe(7);
    expect(epochFromName('mae_epoch-12.ckpt')).toBe(12);
    expect(epochFromName('last.ckpt')).toBeNull();
    expect(checkpointEpoch('a/epoch=3.ckpt', {})).toEqual({ epoch: 3, source: 'file name', warning: null });
    expect(checkpointEpoch('a/epoch=3.ckpt', { epoch: 3 })).toMatchObject({ epoch: 3, source: 'metadata', warning: null });
    expect(checkpointEpoch('a/epoch=3.ckpt', { epoch: 0 }).warning).toMatch(/metadata says epoch 0, the file name 3/);
    expect(checkpointEpoch('a/last.ckpt', { epoch: 'x' })).toEqual({ epoch: null, source: null, warning: null });
  });
});

describe('ISO week', () => {
  it('matches Python isocalendar on year boundaries', () => {
    // 2021-01-03 is in ISO week 53 of 2020; 2024-12-30 in week 1 of 2025; 2026-01-01 in week 1.
    expect(isoWeek(new Date(Date.UTC(2021, 0, 3)))).toBe(53);
    expect(isoWeek(new Date(Date.UTC(2024, 11, 30)))).toBe(1);
    expect(isoWeek(new Date(Date.UTC(2026, 0, 1)))).toBe(1);
  });
});

describe.skipIf(!hasShared)('Clay v1.5 inputs match the fixture (made with Clay’s own functions)', () => {
  const sets = hasShared
    ? (JSON.parse(readFileSync(sharedFixture('clay-v1.5', 'clay-v1.5-tiny.json'), 'utf8')).sets as Record<string, FixtureSet>)
    : {};

  it('metadata: bands, wavelengths, gsd, mean/std are configs/metadata.yaml’s', () => {
    for (const [key, platform] of [
      ['s1', CLAY_V15_SENTINEL1],
      ['s2', CLAY_V15_SENTINEL2],
    ] as const) {
      const set = sets[key];
      expect(platform.name).toBe(set.platform);
      expect(platform.gsd).toBe(set.gsd_m);
      expect(platform.bands.map((b) => b.clayName)).toEqual(set.band_order);
      expect(platform.bands.map((b) => b.wavelength)).toEqual(set.waves_um);
      expect(platform.bands.map((b) => b.mean)).toEqual(set.metadata_mean);
      expect(platform.bands.map((b) => b.std)).toEqual(set.metadata_std);
    }
  });

  it('time = [sin week, cos week, sin hour, cos hour], noon for a date without time', () => {
    for (const set of Object.values(sets)) {
      set.datetime_inputs.forEach((input, i) => {
        const ours = clayV15Time(input);
        ours.forEach((v, k) => expect(v).toBeCloseTo(set.time_float64[i][k], 12));
      });
    }
  });

  it('latlon in tutorial and training order', () => {
    const set = sets.s1;
    set.places.forEach((place, i) => {
      clayV15LatLon(place.lon, place.lat, 'tutorial').forEach((v, k) => expect(v).toBeCloseTo(set.latlon_float64[i][k], 12));
      clayV15LatLon(place.lon, place.lat, 'training').forEach((v, k) => expect(v).toBeCloseTo(set.latlon_training_order_float64[i][k], 12));
    });
  });
});

describe.skipIf(!hasShared || !hasRasterio)('real chip → Clay inputs, checked against rasterio + numpy', () => {
  const chipDir = sharedData('sen1floods11', 'Spain_7370579');
  const s1 = `${chipDir}/Spain_7370579_S1Hand.tif`;
  const s2 = `${chipDir}/Spain_7370579_S2Hand.tif`;

  /** numpy: the normalised planes, NaN → 0, for the given file bands and stats (S1 optionally dB → linear). */
  const reference = (file: string, bandIndices: number[], mean: number[], std: number[], toLinear: boolean) =>
    runPythonJson<{ sums: number[]; samples: number[][] }>(
      `
import json, sys, numpy as np, rasterio
f, idx, mean, std, lin = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3]), json.loads(sys.argv[4]), sys.argv[5] == '1'
with rasterio.open(f) as ds:
    out = []
    for k, b in enumerate(idx):
        x = ds.read(b + 1).astype(np.float64)
        if ds.nodatavals[b] is not None and not np.isnan(ds.nodatavals[b]): x[x == ds.nodatavals[b]] = np.nan
        if lin: x = 10 ** (x / 10)
        y = (x - mean[k]) / std[k]
        out.append(np.where(np.isnan(y), 0, y))
a = np.stack(out)
pts = [(0, 0), (100, 37), (511, 511), (255, 300)]
print(json.dumps({'sums': [float(p.sum()) for p in a], 'samples': [[float(a[c, r, q]) for (r, q) in pts] for c in range(len(a))]}))
`,
      [file, JSON.stringify(bandIndices), JSON.stringify(mean), JSON.stringify(std), toLinear ? '1' : '0'],
    );
  const pts = [
    [0, 0],
    [100, 37],
    [511, 511],
    [255, 300],
  ];
  const compare = (
    pixels: Float32Array,
    plane: number,
    channel: number,
    ref: { sums: number[]; samples: number[][] },
    refChannel: number,
  ) => {
    const p = pixels.subarray(channel * plane, (channel + 1) * plane);
    let sum = 0;
    for (const v of p) sum += v;
    expect(sum / plane).toBeCloseTo(ref.sums[refChannel] / plane, 4);
    pts.forEach(([r, c], k) => expect(p[r * 512 + c]).toBeCloseTo(ref.samples[refChannel][k], 4));
  };

  it('v1.5 auto: the chip’s S1 (VV, VH) in dB with the v1.5 stats, wavelengths and gsd; time and latlon from the chip', async () => {
    const chip = (await inspectDataset(chipDir)).chips[0];
    const input = await clayInputForChip(chip, 'v1.5');
    expect(input.recipe).toBe('clay-v1.5 sentinel-1-rtc [VV, VH] gsd 10');
    expect(input.batch.shape).toEqual([1, 2, 512, 512]);
    expect(Array.from(input.batch.waves!)).toEqual([3.5, 4.0]);
    expect(input.batch.gsd).toBe(10);
    const ref = reference(s1, [0, 1], [-12.113, -18.673], [8.314, 8.017], false);
    compare(input.batch.pixels, 512 * 512, 0, ref, 0);
    compare(input.batch.pixels, 512 * 512, 1, ref, 1);
    // 2019-09-17 (S1 event date, no time → noon): ISO week 38.
    const week = (38 * 2 * Math.PI) / 52;
    expect([...input.batch.time]).toEqual([Math.sin(week), Math.cos(week), Math.sin(Math.PI), Math.cos(Math.PI)].map(Math.fround));
    const [lonMin, latMin, lonMax, latMax] = chip.bboxWgs84!;
    const expected = clayV15LatLon((lonMin + lonMax) / 2, (latMin + latMax) / 2, 'training');
    [...input.batch.latlon].forEach((v, k) => expect(v).toBeCloseTo(expected[k], 5));
  });

  it('v1.5 sentinel-2: the 10 Clay S2 bands of the chip, B01/B09/B10 left out', async () => {
    const chip = (await inspectDataset(chipDir)).chips[0];
    const input = await clayInputForChip(chip, 'v1.5', { platform: 'sentinel-2-l2a' });
    expect(input.batch.shape).toEqual([1, 10, 512, 512]);
    expect(Array.from(input.batch.waves!)).toEqual(CLAY_V15_SENTINEL2.bands.map((b) => b.wavelength));
    // S2Hand band order: B1,B2,B3,B4,B5,B6,B7,B8,B8A,B9,B10,B11,B12 → Clay's 10 are file indices 1..8, 11, 12.
    const ref = reference(
      s2,
      [1, 2, 3, 4, 5, 6, 7, 8, 11, 12],
      CLAY_V15_SENTINEL2.bands.map((b) => b.mean),
      CLAY_V15_SENTINEL2.bands.map((b) => b.std),
      false,
    );
    for (const c of [0, 6, 9]) compare(input.batch.pixels, 512 * 512, c, ref, c);
  });

  it('v0: 13 bands in v0 order, v0 stats, S1 dB → linear power; absent DEM reported', async () => {
    const chip = (await inspectDataset(chipDir)).chips[0];
    const input = await clayInputForChip(chip, 'v0');
    expect(input.batch.shape).toEqual([1, 13, 512, 512]);
    expect(input.missingInputs.join('\n')).toMatch(/DEM missing/);
    const vh = CLAY_V0_BANDS.indexOf('VH');
    const vv = CLAY_V0_BANDS.indexOf('VV');
    const ref = reference(s1, [1, 0], [CLAY_V0_MEAN[vh], CLAY_V0_MEAN[vv]], [CLAY_V0_STD[vh], CLAY_V0_STD[vv]], true);
    compare(input.batch.pixels, 512 * 512, vh, ref, 0);
    compare(input.batch.pixels, 512 * 512, vv, ref, 1);
    expect(input.batch.latlon.length).toBe(2);
    expect(input.batch.time.length).toBe(3);
  });
});
