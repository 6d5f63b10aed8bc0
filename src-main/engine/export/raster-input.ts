import { GeoTiffWriteError } from './errors.ts';

export type RasterDtype = 'uint8' | 'int16' | 'uint16' | 'float32';
export type RasterBandArray = Uint8Array | Int16Array | Uint16Array | Float32Array;
/** GDAL order: [x0, pixelWidth, rowRotation, y0, columnRotation, pixelHeight] (pixelHeight < 0 for north-up). */
export type GeoTransform = readonly [number, number, number, number, number, number];

export interface RasterToWrite {
  width: number;
  height: number;
  dtype: RasterDtype;
  /** One array per band (band-sequential), or one pixel-interleaved array of width·height·bandCount samples. */
  bands: readonly RasterBandArray[] | RasterBandArray;
  /** EPSG code of a projected or geographic 2D CRS. */
  epsg: number;
  geoTransform: GeoTransform;
  nodata?: number;
  /** Band descriptions (GDAL_METADATA role="description"), one per band. */
  descriptions?: readonly string[];
  /** Dataset-level GDAL metadata items (default domain). */
  metadata?: Readonly<Record<string, string>>;
}

/** A band seen as `data[(y·width + x)·stride + offset]`, so planar and interleaved input share one path. */
export interface BandView {
  data: RasterBandArray;
  offset: number;
  stride: number;
}

export interface CheckedRaster {
  width: number;
  height: number;
  dtype: RasterDtype;
  bands: BandView[];
}

export const DTYPE_INFO: Record<
  RasterDtype,
  { bits: number; sampleFormat: 1 | 2 | 3; ctor: new (n: number) => RasterBandArray; min: number; max: number }
> = {
  uint8: { bits: 8, sampleFormat: 1, ctor: Uint8Array, min: 0, max: 255 },
  uint16: { bits: 16, sampleFormat: 1, ctor: Uint16Array, min: 0, max: 65535 },
  int16: { bits: 16, sampleFormat: 2, ctor: Int16Array, min: -32768, max: 32767 },
  float32: { bits: 32, sampleFormat: 3, ctor: Float32Array, min: -Infinity, max: Infinity },
};

function matchesDtype(array: unknown, dtype: RasterDtype): boolean {
  switch (dtype) {
    case 'uint8':
      return array instanceof Uint8Array || array instanceof Uint8ClampedArray;
    case 'uint16':
      return array instanceof Uint16Array;
    case 'int16':
      return array instanceof Int16Array;
    case 'float32':
      return array instanceof Float32Array;
  }
}

/** Validates everything about the raster that does not need the CRS database; returns per-band views. */
export function checkRaster(raster: RasterToWrite, target: string): CheckedRaster {
  const fail = (problem: string): never => {
    throw new GeoTiffWriteError(target, problem);
  };
  const { width, height, dtype } = raster;
  if (!Number.isInteger(width) || width <= 0 || !Number.isInteger(height) || height <= 0) {
    fail(`width and height must be positive integers, got ${width}×${height}`);
  }
  if (!(dtype in DTYPE_INFO)) fail(`unsupported dtype "${String(dtype)}" (uint8, int16, uint16, float32)`);
  const pixels = width * height;

  let bands: BandView[];
  if (Array.isArray(raster.bands)) {
    const list = raster.bands as readonly RasterBandArray[];
    if (list.length === 0) fail('no bands given');
    bands = list.map((data, b) => {
      if (!matchesDtype(data, dtype))
        fail(`band ${b + 1} is a ${data?.constructor?.name ?? typeof data}, expected the array type of ${dtype}`);
      if (data.length !== pixels) fail(`band ${b + 1} has ${data.length} samples, expected ${width}×${height} = ${pixels}`);
      return { data, offset: 0, stride: 1 };
    });
  } else {
    const data = raster.bands as RasterBandArray;
    if (!matchesDtype(data, dtype)) fail(`bands is a ${data?.constructor?.name ?? typeof data}, expected the array type of ${dtype}`);
    const count = data.length / pixels;
    if (!Number.isInteger(count) || count < 1)
      fail(`interleaved array of ${data.length} samples is not a whole number of ${width}×${height} bands`);
    bands = Array.from({ length: count }, (_, b) => ({ data, offset: b, stride: count }));
  }
  if (bands.length > 65535) fail(`too many bands (${bands.length})`);

  const gt = raster.geoTransform;
  if (!Array.isArray(gt) || gt.length !== 6 || !gt.every(Number.isFinite)) {
    fail(`geoTransform must be 6 finite numbers [x0, px, rx, y0, ry, py], got ${JSON.stringify(gt)}`);
  }
  if (gt[1] * gt[5] - gt[2] * gt[4] === 0) fail(`geoTransform ${JSON.stringify(gt)} is singular (zero pixel size)`);

  if (raster.nodata !== undefined) {
    const info = DTYPE_INFO[dtype];
    const v = raster.nodata;
    if (typeof v !== 'number') fail(`nodata must be a number, got ${typeof v}`);
    if (dtype !== 'float32' && (!Number.isInteger(v) || v < info.min || v > info.max)) {
      fail(`nodata ${v} is not representable in ${dtype}`);
    }
  }
  if (raster.descriptions !== undefined && raster.descriptions.length !== bands.length) {
    fail(`${raster.descriptions.length} band descriptions for ${bands.length} bands`);
  }
  return { width, height, dtype, bands };
}
