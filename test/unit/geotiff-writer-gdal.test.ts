// Files from the GeoTIFF writer, with real chips' CRS and geotransforms, read back by GDAL (gdalinfo,
// gdal_translate) and by rasterio, which compares every pixel with what was written.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromFile } from 'geotiff';
import {
  writeGeoTiff,
  type GeoTiffWriteOptions,
  type GeoTransform,
  type RasterToWrite,
  type RasterBandArray,
} from '../../src-main/engine/export/geotiff-writer.ts';
import { hasShared, sharedData, reportSkippedWithoutShared } from '../helpers/shared.ts';
import { has, SYSTEM_PYTHON } from '../helpers/references.ts';

const PYTHON = SYSTEM_PYTHON;
const hasGdal = has('gdal');
const hasRasterio = has('rasterio');
const canRun = hasShared && hasGdal && hasRasterio;
reportSkippedWithoutShared('geotiff-writer-gdal');
if (!hasGdal || !hasRasterio) console.warn(`[skipped] geotiff-writer-gdal: needs gdal-bin and ${PYTHON} with rasterio + numpy`);

/* eslint-disable @typescript-eslint/no-explicit-any */
const gdalinfo = (path: string): { json: any; stderr: string } => {
  const run = spawnSync('gdalinfo', ['-json', path], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`gdalinfo ${path}: ${run.stderr}`);
  return { json: JSON.parse(run.stdout), stderr: run.stderr };
};

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Case {
  name: string;
  raster: RasterToWrite;
  options?: GeoTiffWriteOptions;
  gdalType: string;
  /** Compare pixels with this real source file instead of (as well as) the written arrays. */
  sameAsFile?: string;
}

const RASTERIO_CHECK = `
import json, sys, numpy as np, rasterio
out = {}
for case in json.loads(sys.argv[1]):
    with rasterio.open(case['path']) as src:
        data = src.read()
        expected = np.fromfile(case['bin'], dtype=case['dtype']).reshape(src.count, src.height, src.width)
        same = bool(np.array_equal(data, expected, equal_nan=data.dtype.kind == 'f'))
        if case.get('sameAsFile'):
            with rasterio.open(case['sameAsFile']) as ref:
                same = same and bool(np.array_equal(ref.read(), data))
        out[case['name']] = {
            'pixelsEqual': same,
            'epsg': src.crs.to_epsg(),
            'transform': list(src.transform.to_gdal()),
            'nodata': repr(src.nodata),
            'dtypes': list(src.dtypes),
            'count': src.count,
            'size': [src.width, src.height],
            'blocks': [list(s) for s in src.block_shapes],
            'compression': src.compression.value if src.compression else None,
            'descriptions': list(src.descriptions),
        }
print(json.dumps(out))
`;

describe.skipIf(!canRun)('geotiff-writer read back by GDAL and rasterio', () => {
  let dir: string;
  const cases: Case[] = [];
  let rasterio: Record<string, any>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gtw-gdal-'));
    const gtOf = (file: string) => gdalinfo(file).json.geoTransform as GeoTransform;
    const utm30 = gtOf(sharedData('datacubes/Spain_7370579_utm30n_label.tif'));
    const utm21s = gtOf(sharedData('c2smsfloods-s1/jja10.tif'));
    const indiaLabel = sharedData('sen1floods11/s1_label/India_900498_LabelHand.tif');
    const wgs84 = gtOf(indiaLabel);
    const r = rng(7);
    const mask = (n: number) => Uint8Array.from({ length: n }, () => (r() < 0.1 ? 255 : r() < 0.4 ? 1 : 0));
    const prob = (n: number) => Float32Array.from({ length: n }, (_, i) => (i % 97 === 0 ? NaN : r()));

    const realLabel = await (await (await fromFile(indiaLabel)).getImage()).readRasters();
    cases.push(
      {
        name: 'mask-utm30-300x517',
        gdalType: 'Byte',
        options: { predictor: true },
        raster: { width: 300, height: 517, dtype: 'uint8', bands: [mask(300 * 517)], epsg: 32630, geoTransform: utm30, nodata: 255 },
      },
      {
        name: 'prob-4326-300x517',
        gdalType: 'Float32',
        raster: { width: 300, height: 517, dtype: 'float32', bands: [prob(300 * 517)], epsg: 4326, geoTransform: wgs84, nodata: NaN },
      },
      {
        name: 'prob3-utm21s-512',
        gdalType: 'Float32',
        raster: {
          width: 512,
          height: 512,
          dtype: 'float32',
          bands: [prob(512 * 512), prob(512 * 512), prob(512 * 512)],
          epsg: 32721,
          geoTransform: utm21s,
          nodata: 0,
          descriptions: ['VV', 'VH', 'water <p&q>'],
        },
      },
      {
        name: 'mask3-4326-nopredictor',
        gdalType: 'Byte',
        options: { predictor: false },
        raster: { width: 300, height: 517, dtype: 'uint8', bands: mask(300 * 517 * 3), epsg: 4326, geoTransform: wgs84, nodata: 255 },
      },
      {
        name: 'uint16-utm30',
        gdalType: 'UInt16',
        raster: {
          width: 300,
          height: 517,
          dtype: 'uint16',
          bands: [Uint16Array.from({ length: 300 * 517 }, () => Math.floor(r() * 65536))],
          epsg: 32630,
          geoTransform: utm30,
        },
      },
      {
        name: 'real-label-india-int16',
        gdalType: 'Int16',
        sameAsFile: indiaLabel,
        raster: {
          width: 512,
          height: 512,
          dtype: 'int16',
          bands: [realLabel[0] as Int16Array],
          epsg: 4326,
          geoTransform: wgs84,
          nodata: -1,
        },
      },
      {
        name: 'rotated-utm21s',
        gdalType: 'Byte',
        raster: {
          width: 300,
          height: 517,
          dtype: 'uint8',
          bands: [mask(300 * 517)],
          epsg: 32721,
          geoTransform: [utm21s[0], 10, 2.5, utm21s[3], 1.25, -10],
        },
      },
    );
    for (const c of cases) {
      await writeGeoTiff(join(dir, `${c.name}.tif`), c.raster, c.options);
      const bands = Array.isArray(c.raster.bands)
        ? (c.raster.bands as RasterBandArray[])
        : deinterleave(c.raster.bands as RasterBandArray, c.raster.width * c.raster.height);
      writeFileSync(join(dir, `${c.name}.bin`), Buffer.concat(bands.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength))));
    }
    const numpyDtype = { uint8: 'uint8', int16: '<i2', uint16: '<u2', float32: '<f4' } as const;
    const spec = cases.map((c) => ({
      name: c.name,
      path: join(dir, `${c.name}.tif`),
      bin: join(dir, `${c.name}.bin`),
      dtype: numpyDtype[c.raster.dtype],
      sameAsFile: c.sameAsFile,
    }));
    rasterio = JSON.parse(execFileSync(PYTHON, ['-c', RASTERIO_CHECK, JSON.stringify(spec)], { encoding: 'utf8' }));
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function deinterleave(data: RasterBandArray, pixels: number): RasterBandArray[] {
    const count = data.length / pixels;
    return Array.from({ length: count }, (_, b) => {
      const band = new (data.constructor as new (n: number) => RasterBandArray)(pixels);
      for (let i = 0; i < pixels; i++) band[i] = data[i * count + b];
      return band;
    });
  }

  it('gdalinfo -json: EPSG, exact geotransform, size, 256×256 blocks, DEFLATE, dtype, nodata, descriptions; no warnings', () => {
    expect(cases.length).toBe(7);
    for (const c of cases) {
      const { json, stderr } = gdalinfo(join(dir, `${c.name}.tif`));
      expect(stderr, c.name).toBe('');
      expect(json.stac['proj:epsg'], c.name).toBe(c.raster.epsg);
      expect(json.geoTransform, c.name).toEqual([...c.raster.geoTransform]);
      expect(json.size, c.name).toEqual([c.raster.width, c.raster.height]);
      expect(json.metadata['IMAGE_STRUCTURE'].COMPRESSION, c.name).toBe('DEFLATE');
      const count = Array.isArray(c.raster.bands) ? c.raster.bands.length : c.raster.bands.length / (c.raster.width * c.raster.height);
      expect(json.bands.length, c.name).toBe(count);
      json.bands.forEach((band: any, b: number) => {
        expect(band.block, c.name).toEqual([256, 256]);
        expect(band.type, c.name).toBe(c.gdalType);
        if (c.raster.nodata === undefined) expect(band.noDataValue, c.name).toBeUndefined();
        else if (Number.isNaN(c.raster.nodata)) expect(band.noDataValue, c.name).toBe('NaN');
        else expect(band.noDataValue, c.name).toBe(c.raster.nodata);
        if (c.raster.descriptions) expect(band.description, c.name).toBe(c.raster.descriptions[b]);
      });
    }
  });

  it('rasterio: every pixel equal, CRS, transform, nodata, dtype, tiling, compression', () => {
    const rasterioDtype = { uint8: 'uint8', int16: 'int16', uint16: 'uint16', float32: 'float32' };
    for (const c of cases) {
      const got = rasterio[c.name];
      expect(got.pixelsEqual, c.name).toBe(true);
      expect(got.epsg, c.name).toBe(c.raster.epsg);
      expect(got.transform, c.name).toEqual([...c.raster.geoTransform]);
      expect(got.nodata, c.name).toBe(
        c.raster.nodata === undefined ? 'None' : Number.isNaN(c.raster.nodata) ? 'nan' : `${c.raster.nodata}.0`,
      );
      expect(new Set(got.dtypes), c.name).toEqual(new Set([rasterioDtype[c.raster.dtype]]));
      expect(
        got.blocks.every((s: number[]) => s[0] === 256 && s[1] === 256),
        c.name,
      ).toBe(true);
      expect(got.compression, c.name).toBe('DEFLATE');
      if (c.raster.descriptions) expect(got.descriptions, c.name).toEqual(c.raster.descriptions);
    }
  });

  it('the real Sen1Floods11 label rewritten by us equals the source file pixel for pixel, CRS and transform', () => {
    const c = cases.find((x) => x.sameAsFile)!;
    const source = gdalinfo(c.sameAsFile!).json;
    const ours = gdalinfo(join(dir, `${c.name}.tif`)).json;
    expect(ours.geoTransform).toEqual(source.geoTransform);
    expect(ours.stac['proj:epsg']).toBe(source.stac['proj:epsg']);
    expect(rasterio[c.name].pixelsEqual).toBe(true);
  });

  it('gdal_translate -of GTiff opens every file without a warning and keeps the pixels', () => {
    for (const c of cases) {
      const copy = join(dir, `${c.name}.copy.tif`);
      const run = spawnSync('gdal_translate', ['-q', '-of', 'GTiff', join(dir, `${c.name}.tif`), copy], { encoding: 'utf8' });
      expect(run.status, c.name).toBe(0);
      expect(run.stderr, c.name).toBe('');
      const a = spawnSync('gdalinfo', ['-checksum', '-json', join(dir, `${c.name}.tif`)], { encoding: 'utf8' });
      const b = spawnSync('gdalinfo', ['-checksum', '-json', copy], { encoding: 'utf8' });
      const sums = (out: string) => JSON.parse(out).bands.map((band: any) => band.checksum);
      expect(sums(a.stdout), c.name).toEqual(sums(b.stdout));
      expect(a.stderr, c.name).toBe('');
    }
  });

  it('compresses: a 300×517 mask file is far smaller than its raw pixels', () => {
    const size = readFileSync(join(dir, 'mask-utm30-300x517.tif')).length;
    expect(size).toBeLessThan(300 * 517);
  });
});
