/**
 * Streams a single-band mask GeoTIFF row by row through geotiff.js windows (`readRasters({ window })`), one strip of
 * rows at a time, so memory holds a strip (width × strip rows), never the image.
 */
import { fromFile } from 'geotiff';
import { readRasterHeader, type RasterHeader } from '../geo/geotiff-file.ts';
import { checkTiffStructure } from '../geo/tiff-preflight.ts';
import { ChipReadError, asChipReadError } from '../geo/errors.ts';
import type { RasterGrid } from '../geo/pixel-area.ts';

/** Header of a georeferenced mask with its grid; throws ChipReadError naming the file when it has no CRS/transform. */
export async function readMaskGrid(file: string): Promise<{ header: RasterHeader; grid: RasterGrid }> {
  const header = await readRasterHeader(file);
  if (header.bandCount !== 1 || !/int/.test(header.dtype))
    throw new ChipReadError('unsupported-dtype', file, `a water mask is one band of integers (1 water, 0 dry); this file has ${header.bandCount} band(s) of ${header.dtype}`);
  if (!header.crs || !header.geoTransform) {
    const problem = header.geoErrors[0];
    throw problem ?? new ChipReadError('no-georeference', file, 'the mask has no georeference');
  }
  return { header, grid: { crs: header.crs, geoTransform: header.geoTransform, width: header.width, height: header.height } };
}

export interface MaskRowOptions {
  /** Rows per window; default: the file's tile/strip height rounded up to at least 64 rows. */
  stripRows?: number;
  signal?: AbortSignal;
}

/** Yields [row index, values] for every row of band 1, top to bottom. */
export async function* maskRows(file: string, options: MaskRowOptions = {}): AsyncGenerator<[number, ArrayLike<number>]> {
  await checkTiffStructure(file);
  const tiff = await fromFile(file).catch((error: unknown) => {
    throw asChipReadError(error, file);
  });
  try {
    const image = await tiff.getImage();
    const width = image.getWidth();
    const height = image.getHeight();
    const blockRows = image.isTiled ? image.getTileHeight() : image.getTileHeight() || 64;
    const stripRows = options.stripRows ?? Math.max(64, blockRows);
    for (let y0 = 0; y0 < height; y0 += stripRows) {
      options.signal?.throwIfAborted();
      const y1 = Math.min(height, y0 + stripRows);
      let band: ArrayLike<number> & { subarray(start: number, end: number): ArrayLike<number> };
      try {
        const rasters = await image.readRasters({ window: [0, y0, width, y1], samples: [0], interleave: false });
        band = (rasters as unknown as (Uint8Array | Int16Array)[])[0];
      } catch (error) {
        throw asChipReadError(error, file);
      }
      for (let y = y0; y < y1; y++) yield [y, band.subarray((y - y0) * width, (y - y0 + 1) * width)];
    }
  } finally {
    await tiff.close();
  }
}
