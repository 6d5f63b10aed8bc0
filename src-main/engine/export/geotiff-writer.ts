/**
 * GeoTIFF writer: classic little-endian TIFF, 256×256 tiles, DEFLATE (zlib) with the horizontal
 * predictor where it pays, georeferenced by EPSG code and a GDAL geotransform, with GDAL nodata and
 * band descriptions. geotiff.js cannot write compressed files, hence this module. Tiles are encoded
 * one at a time, so `writeGeoTiff` holds one compressed tile in memory beyond the input raster.
 */
import { open, rename, unlink } from 'node:fs/promises';
import { temporarySibling } from '../fs/atomic-write.ts';
import { GeoTiffWriteError } from './errors.ts';
import { checkRaster, type CheckedRaster, type RasterToWrite } from './raster-input.ts';
import { encodeTiles } from './tile-encoder.ts';
import { imageIfdEntries } from './image-ifd.ts';
import { buildIfd, tiffHeader, type IfdEntry } from './tiff-ifd.ts';

export { GeoTiffWriteError } from './errors.ts';
export type { RasterToWrite, RasterDtype, RasterBandArray, GeoTransform } from './raster-input.ts';

export interface GeoTiffWriteOptions {
  /** Tile width and height, a multiple of 16 (TIFF rule). Default 256. */
  tileSize?: number;
  /**
   * Horizontal differencing before DEFLATE: Predictor=2 for integers, 3 for float32. Default: on for
   * float32/int16/uint16 (continuous values, ~30 % smaller); off for uint8, where 0/1/255 masks
   * compress better without it.
   */
  predictor?: boolean;
  /** zlib level 1..9. Default 6. */
  compressionLevel?: number;
}

const HEADER_SIZE = 8;
const CLASSIC_TIFF_LIMIT = 2 ** 32;

interface PreparedWrite {
  raster: CheckedRaster;
  tileSize: number;
  predictor: boolean;
  level: number;
  pad: number;
  ifdEntries(offsets: number[], byteCounts: number[]): IfdEntry[];
}

function prepare(input: RasterToWrite, options: GeoTiffWriteOptions, target: string): PreparedWrite {
  const raster = checkRaster(input, target);
  const tileSize = options.tileSize ?? 256;
  if (!Number.isInteger(tileSize) || tileSize < 16 || tileSize % 16 !== 0) {
    throw new GeoTiffWriteError(target, `tileSize must be a positive multiple of 16, got ${tileSize}`);
  }
  const level = options.compressionLevel ?? 6;
  if (!Number.isInteger(level) || level < 1 || level > 9) {
    throw new GeoTiffWriteError(target, `compressionLevel must be an integer 1..9, got ${level}`);
  }
  const predictor = options.predictor ?? raster.dtype !== 'uint8';
  const ifdEntries = imageIfdEntries(
    {
      width: raster.width,
      height: raster.height,
      dtype: raster.dtype,
      samples: raster.bands.length,
      tileSize,
      predictor,
      geo: {
        epsg: input.epsg,
        geoTransform: input.geoTransform,
        nodata: input.nodata,
        descriptions: input.descriptions,
        metadata: input.metadata,
      },
    },
    target,
  );
  const pad = input.nodata ?? 0;
  return { raster, tileSize, predictor, level, pad, ifdEntries };
}

function tiles(prepared: PreparedWrite): Generator<Uint8Array> {
  const { raster, tileSize, predictor, level, pad } = prepared;
  return encodeTiles(raster, { tileSize, predictor, level, pad });
}

function checkClassicLimit(end: number, target: string): void {
  if (end >= CLASSIC_TIFF_LIMIT)
    throw new GeoTiffWriteError(target, 'file would exceed 4 GiB, the classic TIFF limit (BigTIFF is not supported)');
}

/** Encodes the raster as a complete GeoTIFF file in memory. */
export function encodeGeoTiff(raster: RasterToWrite, options: GeoTiffWriteOptions = {}): Uint8Array {
  const target = '<memory>';
  const prepared = prepare(raster, options, target);
  const chunks: Uint8Array[] = [];
  const offsets: number[] = [];
  const byteCounts: number[] = [];
  let position = HEADER_SIZE;
  for (const tile of tiles(prepared)) {
    offsets.push(position);
    byteCounts.push(tile.length);
    chunks.push(tile);
    position += tile.length;
  }
  const ifdOffset = position + (position & 1);
  const ifd = buildIfd(prepared.ifdEntries(offsets, byteCounts), ifdOffset);
  checkClassicLimit(ifdOffset + ifd.length, target);
  const out = new Uint8Array(ifdOffset + ifd.length);
  out.set(tiffHeader(ifdOffset), 0);
  let at = HEADER_SIZE;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  out.set(ifd, ifdOffset);
  return out;
}

/**
 * Writes the raster to `path` atomically (temporary file in the same folder, then rename), streaming
 * tile by tile. Errors are GeoTiffWriteError naming the path; no partial file is left behind.
 */
export async function writeGeoTiff(path: string, raster: RasterToWrite, options: GeoTiffWriteOptions = {}): Promise<void> {
  const prepared = prepare(raster, options, path);
  const tempPath = temporarySibling(path);
  let handle;
  try {
    handle = await open(tempPath, 'w');
  } catch (error) {
    throw new GeoTiffWriteError(path, `cannot create ${tempPath}: ${(error as Error).message}`);
  }
  try {
    const offsets: number[] = [];
    const byteCounts: number[] = [];
    let position = HEADER_SIZE;
    for (const tile of tiles(prepared)) {
      checkClassicLimit(position + tile.length, path);
      await handle.write(tile, 0, tile.length, position);
      offsets.push(position);
      byteCounts.push(tile.length);
      position += tile.length;
    }
    const ifdOffset = position + (position & 1);
    const ifd = buildIfd(prepared.ifdEntries(offsets, byteCounts), ifdOffset);
    checkClassicLimit(ifdOffset + ifd.length, path);
    await handle.write(ifd, 0, ifd.length, ifdOffset);
    await handle.write(tiffHeader(ifdOffset), 0, HEADER_SIZE, 0);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(tempPath, path);
  } catch (error) {
    await handle?.close().catch(() => {});
    await unlink(tempPath).catch(() => {});
    if (error instanceof GeoTiffWriteError) throw error;
    throw new GeoTiffWriteError(path, `write failed: ${(error as Error).message}`);
  }
}
