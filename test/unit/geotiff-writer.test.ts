// The GeoTIFF writer read back by geotiff.js (an independent TIFF reader) and checked byte-level.
import { describe, expect, it } from 'vitest';
import { inflateSync } from 'node:zlib';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromArrayBuffer } from 'geotiff';
import { encodeGeoTiff, writeGeoTiff, GeoTiffWriteError, type RasterToWrite } from '../../src-main/engine/export/geotiff-writer.ts';

const UTM30_GT = [693930, 10, 0, 4222490, 0, -10] as const;
const WGS84_GT = [93.73524731062194, 8.9831528412e-5, 0, 26.76835816230715, 0, -8.9831528412e-5] as const;

/** Deterministic pseudo-random numbers (mulberry32) so failures reproduce. */
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

function maskRaster(width: number, height: number, seed = 1): Uint8Array {
  const r = rng(seed);
  return Uint8Array.from({ length: width * height }, () => {
    const v = r();
    return v < 0.1 ? 255 : v < 0.5 ? 1 : 0;
  });
}

function probRaster(width: number, height: number, seed = 2): Float32Array {
  const r = rng(seed);
  const out = Float32Array.from({ length: width * height }, () => r());
  out[0] = NaN;
  out[out.length - 1] = 1;
  return out;
}

async function readBack(bytes: Uint8Array) {
  const tiff = await fromArrayBuffer(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  const image = await tiff.getImage();
  const rasters = (await image.readRasters()) as unknown as ArrayLike<number>[];
  return { image, rasters };
}

function tag(image: Awaited<ReturnType<typeof readBack>>['image'], name: string): unknown {
  return image.fileDirectory.getValue(name as never);
}

describe('geotiff-writer read back with geotiff.js', () => {
  it('writes a 300×517 uint8 mask in UTM: header, tiles, compression, georeferencing, nodata, pixels', async () => {
    const data = maskRaster(300, 517);
    const bytes = encodeGeoTiff({
      width: 300,
      height: 517,
      dtype: 'uint8',
      bands: [data],
      epsg: 32630,
      geoTransform: UTM30_GT,
      nodata: 255,
    });
    expect([...bytes.subarray(0, 4)]).toEqual([0x49, 0x49, 42, 0]);
    const { image, rasters } = await readBack(bytes);
    expect([image.getWidth(), image.getHeight()]).toEqual([300, 517]);
    expect([image.getTileWidth(), image.getTileHeight()]).toEqual([256, 256]);
    expect(tag(image, 'Compression')).toBe(8);
    expect(tag(image, 'Predictor') ?? 1).toBe(1); // masks compress better without it
    expect((tag(image, 'TileOffsets') as ArrayLike<number>).length).toBe(2 * 3);
    expect(image.getGeoKeys()).toMatchObject({ GTModelTypeGeoKey: 1, GTRasterTypeGeoKey: 1, ProjectedCSTypeGeoKey: 32630 });
    expect(image.getOrigin()).toEqual([693930, 4222490, 0]);
    expect(image.getResolution()).toEqual([10, -10, 0]);
    expect(image.getGDALNoData()).toBe(255);
    expect(rasters[0]).toBeInstanceOf(Uint8Array);
    expect(Buffer.compare(Buffer.from(rasters[0] as Uint8Array), Buffer.from(data))).toBe(0);
  });

  it('writes float32 probabilities in EPSG:4326 with NaN nodata, pixel values bit-exact', async () => {
    const data = probRaster(300, 517);
    const bytes = encodeGeoTiff({
      width: 300,
      height: 517,
      dtype: 'float32',
      bands: [data],
      epsg: 4326,
      geoTransform: WGS84_GT,
      nodata: NaN,
    });
    const { image, rasters } = await readBack(bytes);
    expect(tag(image, 'Predictor')).toBe(3);
    expect(tag(image, 'SampleFormat')).toEqual(expect.objectContaining({ 0: 3 }));
    expect(image.getGeoKeys()).toMatchObject({ GTModelTypeGeoKey: 2, GeographicTypeGeoKey: 4326 });
    expect(image.getOrigin()).toEqual([WGS84_GT[0], WGS84_GT[3], 0]);
    expect(Number.isNaN(image.getGDALNoData())).toBe(true);
    const back = rasters[0] as Float32Array;
    expect(back).toBeInstanceOf(Float32Array);
    expect(Buffer.compare(Buffer.from(back.buffer, back.byteOffset, back.byteLength), Buffer.from(data.buffer))).toBe(0);
  });

  it('3 bands: band arrays and one pixel-interleaved array give the same file and the same pixels', async () => {
    const w = 257;
    const h = 300;
    const bands = [probRaster(w, h, 3), probRaster(w, h, 4), probRaster(w, h, 5)];
    const interleaved = new Float32Array(w * h * 3);
    for (let i = 0; i < w * h; i++) for (let b = 0; b < 3; b++) interleaved[i * 3 + b] = bands[b][i];
    const base = {
      width: w,
      height: h,
      dtype: 'float32' as const,
      epsg: 32721,
      geoTransform: [501380, 10, 0, 7248050, 0, -10] as const,
      descriptions: ['VV', 'VH', 'p&<water>'],
    };
    const fromBands = encodeGeoTiff({ ...base, bands });
    const fromInterleaved = encodeGeoTiff({ ...base, bands: interleaved });
    expect(Buffer.compare(Buffer.from(fromBands), Buffer.from(fromInterleaved))).toBe(0);
    const { image, rasters } = await readBack(fromBands);
    expect(image.getSamplesPerPixel()).toBe(3);
    expect(tag(image, 'PlanarConfiguration')).toBe(2);
    expect((tag(image, 'TileOffsets') as ArrayLike<number>).length).toBe(3 * 2 * 2);
    expect(image.getGeoKeys()).toMatchObject({ ProjectedCSTypeGeoKey: 32721 });
    for (let b = 0; b < 3; b++) {
      const got = rasters[b] as Float32Array;
      expect(Buffer.compare(Buffer.from(got.buffer, got.byteOffset, got.byteLength), Buffer.from(bands[b].buffer))).toBe(0);
    }
  });

  it('uint8 with Predictor=2 asked for round-trips exactly', async () => {
    const data = maskRaster(300, 517, 9);
    const { image, rasters } = await readBack(
      encodeGeoTiff({ width: 300, height: 517, dtype: 'uint8', bands: [data], epsg: 32630, geoTransform: UTM30_GT }, { predictor: true }),
    );
    expect(tag(image, 'Predictor')).toBe(2);
    expect(Buffer.compare(Buffer.from(rasters[0] as Uint8Array), Buffer.from(data))).toBe(0);
  });

  it('int16 and uint16 round-trip extreme values with and without the predictor', async () => {
    const w = 40;
    const h = 33;
    const i16 = Int16Array.from({ length: w * h }, (_, i) => [-32768, 32767, 0, -1, 1][i % 5] + (i % 5 === 2 ? i : 0));
    const u16 = Uint16Array.from({ length: w * h }, (_, i) => [0, 65535, 1, 65534][i % 4]);
    for (const predictor of [true, false]) {
      const a = await readBack(
        encodeGeoTiff(
          { width: w, height: h, dtype: 'int16', bands: [i16], epsg: 32630, geoTransform: UTM30_GT, nodata: -32768 },
          { predictor, tileSize: 16 },
        ),
      );
      expect(Array.from(a.rasters[0])).toEqual(Array.from(i16));
      expect(a.image.getGDALNoData()).toBe(-32768);
      expect(tag(a.image, 'Predictor') ?? 1).toBe(predictor ? 2 : 1);
      const b = await readBack(
        encodeGeoTiff(
          { width: w, height: h, dtype: 'uint16', bands: [u16], epsg: 32630, geoTransform: UTM30_GT },
          { predictor, tileSize: 32 },
        ),
      );
      expect(Array.from(b.rasters[0])).toEqual(Array.from(u16));
      expect(b.image.getTileWidth()).toBe(32);
    }
  });

  it('pads edge tiles to the full 256×256 and compresses each as a zlib stream', () => {
    const w = 300;
    const h = 517;
    const data = probRaster(w, h);
    const bytes = encodeGeoTiff(
      { width: w, height: h, dtype: 'float32', bands: [data], epsg: 32630, geoTransform: UTM30_GT },
      { predictor: false },
    );
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const ifd = view.getUint32(4, true);
    const n = view.getUint16(ifd, true);
    const entries = new Map<number, { count: number; value: number }>();
    for (let i = 0; i < n; i++) {
      const at = ifd + 2 + i * 12;
      entries.set(view.getUint16(at, true), { count: view.getUint32(at + 4, true), value: view.getUint32(at + 8, true) });
    }
    const tags = [...entries.keys()];
    expect(tags).toEqual([...tags].sort((a, b) => a - b));
    const offsets = entries.get(324)!;
    const counts = entries.get(325)!;
    expect(offsets.count).toBe(6);
    for (let t = 0; t < 6; t++) {
      const off = view.getUint32(offsets.value + 4 * t, true);
      const len = view.getUint32(counts.value + 4 * t, true);
      expect(bytes[off]).toBe(0x78); // zlib header
      const raw = inflateSync(bytes.subarray(off, off + len));
      expect(raw.length).toBe(256 * 256 * 4);
    }
    // last tile (column 1, row 2): its first pixel is image pixel (256, 512)
    const lastOff = view.getUint32(offsets.value + 4 * 5, true);
    const lastLen = view.getUint32(counts.value + 4 * 5, true);
    const last = new Float32Array(new Uint8Array(inflateSync(bytes.subarray(lastOff, lastOff + lastLen))).buffer);
    expect(last[0]).toBe(data[512 * w + 256]);
    expect(last[44]).toBe(0); // x = 300 is beyond the image: padding
  });

  it('writes a rotated geotransform as ModelTransformation', async () => {
    const gt = [501380, 10, 1.5, 7248050, 2, -10] as const;
    const { image } = await readBack(
      encodeGeoTiff({ width: 20, height: 20, dtype: 'uint8', bands: [new Uint8Array(400)], epsg: 32721, geoTransform: gt }),
    );
    expect(Array.from(tag(image, 'ModelTransformation') as ArrayLike<number>)).toEqual([
      10, 1.5, 0, 501380, 2, -10, 0, 7248050, 0, 0, 0, 0, 0, 0, 0, 1,
    ]);
    expect(tag(image, 'ModelPixelScale')).toBeUndefined();
  });
});

describe('geotiff-writer files and errors', () => {
  const base = (): RasterToWrite => ({
    width: 10,
    height: 10,
    dtype: 'uint8',
    bands: [new Uint8Array(100)],
    epsg: 32630,
    geoTransform: UTM30_GT,
  });

  it('writeGeoTiff writes the same bytes as encodeGeoTiff, replaces atomically and leaves no temp file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gtw-'));
    try {
      const path = join(dir, 'chip_mask.tif');
      writeFileSync(path, 'old content');
      const raster: RasterToWrite = {
        width: 300,
        height: 517,
        dtype: 'uint8',
        bands: [maskRaster(300, 517)],
        epsg: 32630,
        geoTransform: UTM30_GT,
        nodata: 255,
      };
      await writeGeoTiff(path, raster);
      expect(Buffer.compare(readFileSync(path), Buffer.from(encodeGeoTiff(raster)))).toBe(0);
      expect(readdirSync(dir)).toEqual(['chip_mask.tif']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a failed write names the path and leaves nothing behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gtw-'));
    try {
      const missing = join(dir, 'no-such-dir', 'x.tif');
      await expect(writeGeoTiff(missing, base())).rejects.toThrow(GeoTiffWriteError);
      await expect(writeGeoTiff(missing, base())).rejects.toThrow(missing);
      const bad = join(dir, 'bad.tif');
      await expect(writeGeoTiff(bad, { ...base(), epsg: 5703 })).rejects.toThrow(/bad\.tif: EPSG:5703 .*VERTCRS/);
      expect(existsSync(bad)).toBe(false);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['wrong array type', { bands: [new Float32Array(100)] }, /band 1 is a Float32Array/],
    ['wrong band length', { bands: [new Uint8Array(99)] }, /99 samples, expected 10×10 = 100/],
    ['interleaved not whole bands', { bands: new Uint8Array(150) }, /not a whole number/],
    ['no bands', { bands: [] }, /no bands/],
    ['bad size', { width: 0 }, /positive integers/],
    ['bad dtype', { dtype: 'float64' }, /unsupported dtype/],
    ['unknown EPSG', { epsg: 2 }, /EPSG:2 is not in the EPSG index/],
    ['geocentric EPSG', { epsg: 4978 }, /GCENCRS/],
    ['singular transform', { geoTransform: [0, 0, 0, 0, 0, -10] }, /singular/],
    ['short transform', { geoTransform: [0, 10, 0, 0] }, /6 finite numbers/],
    ['nodata out of range', { nodata: 256 }, /nodata 256 is not representable in uint8/],
    ['descriptions count', { descriptions: ['a', 'b'] }, /2 band descriptions for 1 bands/],
  ])('rejects %s with a typed error', (_name, patch, message) => {
    const raster = { ...base(), ...patch } as RasterToWrite;
    expect(() => encodeGeoTiff(raster)).toThrow(GeoTiffWriteError);
    expect(() => encodeGeoTiff(raster)).toThrow(message);
  });

  it('rejects tile sizes that are not multiples of 16', () => {
    expect(() => encodeGeoTiff(base(), { tileSize: 100 })).toThrow(/tileSize must be a positive multiple of 16/);
  });
});
