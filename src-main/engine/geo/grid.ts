import type { GeoTransform } from './bbox.ts';
import type { CrsInfo } from './crs.ts';

/**
 * Ground size of one pixel [along a row, along a column] from the full affine: the length of the vectors
 * (gt[1], gt[4]) and (gt[2], gt[5]). With a rotated geotransform gt[1] and gt[5] alone are not the size.
 */
export function pixelSizeOf(gt: GeoTransform): [number, number] {
  return [Math.hypot(gt[1], gt[4]), Math.hypot(gt[2], gt[5])];
}

export interface GridLike {
  width: number;
  height: number;
  crs: CrsInfo | null;
  geoTransform: GeoTransform | null;
}

function crsName(crs: CrsInfo | null): string {
  if (!crs) return 'no CRS';
  return crs.epsg !== null ? `EPSG:${crs.epsg}` : `a user-defined CRS (${crs.proj4})`;
}

/**
 * How `other` differs from `reference` (size, CRS, origin, pixel size or rotation), in words; null when
 * both lie on the same grid. Coordinates agree within 1/1000 of a pixel.
 */
export function gridDifference(reference: GridLike, other: GridLike): string | null {
  if (reference.width !== other.width || reference.height !== other.height)
    return `is ${other.width}×${other.height}, not ${reference.width}×${reference.height}`;
  const sameCrs = reference.crs?.epsg === other.crs?.epsg && reference.crs?.proj4 === other.crs?.proj4;
  if (!sameCrs) return `is in ${crsName(other.crs)}, not ${crsName(reference.crs)}`;
  const [a, b] = [reference.geoTransform, other.geoTransform];
  if (!a || !b) return a === b ? null : `has ${b ? 'a' : 'no'} geotransform where the reference has ${a ? 'one' : 'none'}`;
  const tolerance = Math.min(...pixelSizeOf(a)) * 1e-3;
  const differs = (i: number, j: number) => Math.abs(a[i] - b[i]) > tolerance || Math.abs(a[j] - b[j]) > tolerance;
  if (differs(0, 3)) return `has its origin at (${b[0]}, ${b[3]}), not (${a[0]}, ${a[3]})`;
  // the other terms are per pixel: compare them scaled to the whole raster
  const scaled = (i: number, extent: number) => Math.abs(a[i] - b[i]) * extent > tolerance;
  if (scaled(1, reference.width) || scaled(4, reference.width) || scaled(2, reference.height) || scaled(5, reference.height)) {
    return `has pixel size/rotation (${b[1]}, ${b[2]}, ${b[4]}, ${b[5]}), not (${a[1]}, ${a[2]}, ${a[4]}, ${a[5]})`;
  }
  return null;
}
