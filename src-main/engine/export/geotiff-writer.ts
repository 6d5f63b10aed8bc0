/**
 * GeoTIFF writer: classic little-endian TIFF, 256×256 tiles, DEFLATE (zlib) with the horizontal
 * predictor where it pays, georeferenced by EPSG code and a GDAL geotransform, with GDAL nodata and
 * band descriptions. geotiff.js cannot write compressed files, hence this module. Tiles are encoded
 * one at a time, so `writeGeoTiff` holds one compressed tile in memory beyond the input raster.
 */
import { open, rename, unlink } from 'node:fs/promises';
import { temporarySibling } from '../fs/atomic-write.ts';
import { GeoTiffWriteError } from './errors.ts';
import { DTYPE_INFO, checkRaster, type CheckedRaster, type RasterToWrite } from './raster-input.ts';
import { encodeTiles } from './tile-encoder.ts';
import { crsKindOf, geoKeyDirectory, georefTags } from './georeference.ts';
import { gdalMetadataXml, gdalNodataText } from './gdal-tags.ts';
import { TIFF_TYPE, buildIfd, tiffHeader, type IfdEntry } from './tiff-ifd.ts';

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
const TAG = {
  ImageWidth: 256,
  ImageLength: 257,
  BitsPerSample: 258,
  Compression: 259,
  Photometric: 262,
  SamplesPerPixel: 277,
  PlanarConfiguration: 284,
  Predictor: 317,
  TileWidth: 322,
  TileLength: 323,
  TileOffsets: 324,
  TileByteCounts: 325,
  ExtraSamples: 338,
  SampleFormat: 339,
  ModelPixelScale: 33550,
  ModelTiepoint: 33922,
  ModelTransformation: 34264,
  GeoKeyDirectory: 34735,
  GdalMetadata: 42112,
  GdalNodata: 42113,
} as const;
const COMPRESSION_DEFLATE = 8;
const PHOTOMETRIC_MIN_IS_BLACK = 1;

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
  const kind = crsKindOf(input.epsg, target);
  const georef = georefTags(input.geoTransform);
  const info = DTYPE_INFO[raster.dtype];
  const samples = raster.bands.length;
  const metadataXml = gdalMetadataXml(input.descriptions, input.metadata);
  const nodata = input.nodata;
  const pad = nodata ?? 0;

  const ifdEntries = (offsets: number[], byteCounts: number[]): IfdEntry[] => {
    const entries: IfdEntry[] = [
      { tag: TAG.ImageWidth, type: TIFF_TYPE.LONG, values: [raster.width] },
      { tag: TAG.ImageLength, type: TIFF_TYPE.LONG, values: [raster.height] },
      { tag: TAG.BitsPerSample, type: TIFF_TYPE.SHORT, values: Array(samples).fill(info.bits) },
      { tag: TAG.Compression, type: TIFF_TYPE.SHORT, values: [COMPRESSION_DEFLATE] },
      { tag: TAG.Photometric, type: TIFF_TYPE.SHORT, values: [PHOTOMETRIC_MIN_IS_BLACK] },
      { tag: TAG.SamplesPerPixel, type: TIFF_TYPE.SHORT, values: [samples] },
      // band-separate planes: each tile holds one band, which is what band arrays and the predictor want
      { tag: TAG.PlanarConfiguration, type: TIFF_TYPE.SHORT, values: [samples === 1 ? 1 : 2] },
      { tag: TAG.TileWidth, type: TIFF_TYPE.LONG, values: [tileSize] },
      { tag: TAG.TileLength, type: TIFF_TYPE.LONG, values: [tileSize] },
      { tag: TAG.TileOffsets, type: TIFF_TYPE.LONG, values: offsets },
      { tag: TAG.TileByteCounts, type: TIFF_TYPE.LONG, values: byteCounts },
      { tag: TAG.SampleFormat, type: TIFF_TYPE.SHORT, values: Array(samples).fill(info.sampleFormat) },
      { tag: TAG.GeoKeyDirectory, type: TIFF_TYPE.SHORT, values: geoKeyDirectory(input.epsg, kind) },
    ];
    if (predictor) entries.push({ tag: TAG.Predictor, type: TIFF_TYPE.SHORT, values: [raster.dtype === 'float32' ? 3 : 2] });
    // MinIsBlack has one colour channel; libtiff warns unless the others are declared extra samples
    if (samples > 1) entries.push({ tag: TAG.ExtraSamples, type: TIFF_TYPE.SHORT, values: Array(samples - 1).fill(0) });
    if (georef.kind === 'scale-tiepoint') {
      entries.push({ tag: TAG.ModelPixelScale, type: TIFF_TYPE.DOUBLE, values: georef.pixelScale });
      entries.push({ tag: TAG.ModelTiepoint, type: TIFF_TYPE.DOUBLE, values: georef.tiepoint });
    } else {
      entries.push({ tag: TAG.ModelTransformation, type: TIFF_TYPE.DOUBLE, values: georef.transformation });
    }
    if (metadataXml !== undefined) entries.push({ tag: TAG.GdalMetadata, type: TIFF_TYPE.ASCII, values: metadataXml });
    if (nodata !== undefined) entries.push({ tag: TAG.GdalNodata, type: TIFF_TYPE.ASCII, values: gdalNodataText(nodata, raster.dtype) });
    return entries;
  };
  return { raster, tileSize, predictor, level, pad, ifdEntries };
}

function tiles(prepared: PreparedWrite): Generator<Uint8Array> {
  const { raster, tileSize, predictor, level, pad } = prepared;
  return encodeTiles(raster, { tileSize, predictor, level, pad });
}

function checkClassicLimit(end: number, target: string): void {
  if (end >= CLASSIC_TIFF_LIMIT) throw new GeoTiffWriteError(target, 'file would exceed 4 GiB, the classic TIFF limit (BigTIFF is not supported)');
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
