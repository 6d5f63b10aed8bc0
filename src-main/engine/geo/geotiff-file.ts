/**
 * GeoTIFF access with geotiff.js: header (size, dtype, nodata, band descriptions, geotransform, CRS)
 * and band reads. Only the requested bands / window are decoded.
 */
import { fromFile, type GeoTIFF, type GeoTIFFImage } from 'geotiff';
import type { Dtype } from '../../api/dataset.ts';
import { ChipReadError, asChipReadError } from './errors.ts';
import { crsFromGeoKeys, type CrsInfo } from './crs.ts';
import { nativeBbox, type Bbox, type GeoTransform } from './bbox.ts';
import { checkTiffStructure } from './tiff-preflight.ts';

export interface RasterHeader {
  file: string;
  width: number;
  height: number;
  bandCount: number;
  dtype: Dtype;
  /** GDAL_NODATA (one value for all bands in GeoTIFF); NaN allowed. */
  nodata: number | null;
  /** Per-band GDAL description (GDAL_METADATA role="description"), null when absent. */
  descriptions: (string | null)[];
  /** Dataset-level GDAL metadata items (no `sample` attribute). */
  metadata: Record<string, string>;
  geoTransform: GeoTransform | null;
  bbox: Bbox | null;
  crs: CrsInfo | null;
  /** Why `crs` (or `geoTransform`) is null. */
  geoErrors: ChipReadError[];
}

export type Window = [number, number, number, number];

async function withTiff<T>(file: string, use: (image: GeoTIFFImage) => Promise<T>): Promise<T> {
  let tiff: GeoTIFF;
  try {
    await checkTiffStructure(file); // bounds every length geotiff.js would allocate from
    tiff = await fromFile(file);
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException)?.code === 'ENOENT';
    throw asChipReadError(error, file, missing ? 'missing-file' : 'corrupt-tiff');
  }
  try {
    const image = await tiff.getImage();
    return await use(image);
  } catch (error) {
    throw asChipReadError(error, file);
  } finally {
    await tiff.close();
  }
}

function dtypeOf(image: GeoTIFFImage, file: string): Dtype {
  const format = image.getSampleFormat(0) ?? 1;
  const bits = image.getBitsPerSample(0);
  const table: Record<string, Dtype> = {
    '1/8': 'uint8',
    '2/8': 'int8',
    '1/16': 'uint16',
    '2/16': 'int16',
    '1/32': 'uint32',
    '2/32': 'int32',
    '3/32': 'float32',
    '3/64': 'float64',
  };
  const dtype = table[`${format}/${bits}`];
  if (!dtype) throw new ChipReadError('unsupported-dtype', file, `unsupported sample format ${format} with ${bits} bits`);
  return dtype;
}

const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const unescapeXml = (text: string) => text.replace(/&(amp|lt|gt|quot|apos);/g, (_, name: string) => XML_ENTITIES[name]);

/** Parses GDAL's GDAL_METADATA XML into per-band descriptions and dataset-level items. */
export function parseGdalMetadata(xml: string, bandCount: number): { descriptions: (string | null)[]; metadata: Record<string, string> } {
  const descriptions: (string | null)[] = new Array(bandCount).fill(null);
  const metadata: Record<string, string> = {};
  for (const match of xml.matchAll(/<Item\s+([^>]*)>([\s\S]*?)<\/Item>/g)) {
    const attributes = Object.fromEntries([...match[1].matchAll(/(\w+)="([^"]*)"/g)].map((a) => [a[1], unescapeXml(a[2])]));
    const value = unescapeXml(match[2]);
    if (attributes.sample !== undefined) {
      const sample = Number(attributes.sample);
      const isDescription = attributes.role === 'description' || attributes.name === 'DESCRIPTION';
      if (isDescription && sample >= 0 && sample < bandCount) descriptions[sample] = value;
    } else if (attributes.name) {
      metadata[attributes.name] = value;
    }
  }
  return { descriptions, metadata };
}

function geoTransformOf(image: GeoTIFFImage, rasterIsPoint: boolean): GeoTransform | null {
  const directory = image.fileDirectory;
  const transformation = directory.getValue('ModelTransformation') as number[] | undefined;
  let gt: GeoTransform | null = null;
  if (transformation && transformation.length >= 8) {
    const m = transformation;
    gt = [m[3], m[0], m[1], m[7], m[4], m[5]];
  } else {
    const tiepoint = directory.getValue('ModelTiepoint') as number[] | undefined;
    const scale = directory.getValue('ModelPixelScale') as number[] | undefined;
    if (!tiepoint || tiepoint.length < 6 || !scale || scale.length < 2) return null;
    const [i, j, , x, y] = tiepoint;
    gt = [x - i * scale[0], scale[0], 0, y + j * scale[1], 0, -scale[1]];
  }
  // GDAL convention: PixelIsPoint coordinates refer to pixel centres; shift to the corner.
  if (rasterIsPoint) {
    gt = [gt[0] - 0.5 * gt[1] - 0.5 * gt[2], gt[1], gt[2], gt[3] - 0.5 * gt[4] - 0.5 * gt[5], gt[4], gt[5]];
  }
  return gt;
}

function parseNodata(raw: unknown): number | null {
  if (typeof raw !== 'string') return null;
  const text = raw.replace(/\0/g, '').trim();
  if (text === '') return null;
  if (/^nan$/i.test(text)) return Number.NaN;
  const value = Number(text);
  return Number.isNaN(value) ? null : value;
}

export async function readRasterHeader(file: string): Promise<RasterHeader> {
  return withTiff(file, async (image) => {
    const width = image.getWidth();
    const height = image.getHeight();
    const bandCount = image.getSamplesPerPixel();
    for (const [what, value] of [
      ['width', width],
      ['height', height],
      ['band count', bandCount],
    ] as const) {
      if (!Number.isSafeInteger(value) || (value as number) < 1)
        throw new ChipReadError('corrupt-tiff', file, `${what} is not a positive integer`);
    }
    const directory = image.fileDirectory;
    const dtype = dtypeOf(image, file);
    const nodata = directory.hasTag('GDAL_NODATA') ? parseNodata(await directory.loadValue('GDAL_NODATA')) : null;
    const xml = directory.hasTag('GDAL_METADATA') ? String(await directory.loadValue('GDAL_METADATA')) : '';
    const { descriptions, metadata } = parseGdalMetadata(xml, bandCount);
    const geoErrors: ChipReadError[] = [];
    const geoKeys = image.getGeoKeys();
    const geoTransform = geoTransformOf(image, geoKeys?.GTRasterTypeGeoKey === 2);
    if (!geoTransform)
      geoErrors.push(new ChipReadError('no-georeference', file, 'no geotransform (ModelTiepoint/ModelPixelScale/ModelTransformation)'));
    let crs: CrsInfo | null = null;
    try {
      crs = crsFromGeoKeys(geoKeys, file);
    } catch (error) {
      geoErrors.push(asChipReadError(error, file, 'no-crs'));
    }
    const bbox = geoTransform ? nativeBbox(geoTransform, width, height) : null;
    return { file, width, height, bandCount, dtype, nodata, descriptions, metadata, geoTransform, bbox, crs, geoErrors };
  });
}

export type BandArray = Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;

/**
 * Reads bands (0-based indices, default all) of `file`, optionally a pixel window [x0, y0, x1, y1).
 * Throws ChipReadError('corrupt-tiff') when the data cannot be decoded (e.g. a truncated file).
 */
export async function readBands(file: string, bands?: number[], window?: Window): Promise<BandArray[]> {
  return withTiff(file, async (image) => {
    const samples = bands ?? [...Array(image.getSamplesPerPixel()).keys()];
    for (const sample of samples) {
      if (sample < 0 || sample >= image.getSamplesPerPixel())
        throw new ChipReadError('wrong-band-count', file, `band ${sample + 1} requested but the file has ${image.getSamplesPerPixel()}`);
    }
    const rasters = await image.readRasters({ samples, window, interleave: false });
    return (rasters as unknown as BandArray[]).slice(0, samples.length);
  });
}
