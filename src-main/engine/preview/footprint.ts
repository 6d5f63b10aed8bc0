/** A chip's outline in WGS84: its pixel-grid edges sampled and reprojected, so curved edges stay curved. */
import type { ChipFootprint, ChipGrid, LonLat } from '../../api/preview.ts';
import { boundsOf, pixelToCrs, type GeoTransform } from '../geo/bbox.ts';
import { toWgs84 } from '../geo/crs.ts';

/** Points per edge; 16 keeps a UTM chip's edge within millimetres of the true curve for chips up to ~100 km. */
const EDGE_SAMPLES = 16;

/** Outline of the raster in its own CRS, counter-clockwise in a north-up grid (top-left → bottom-left → …), closed. */
export function gridOutline(gt: GeoTransform, width: number, height: number, samples = EDGE_SAMPLES): [number, number][] {
  const points: [number, number][] = [];
  for (let i = 0; i < samples; i++) points.push(pixelToCrs(gt, 0, (i / samples) * height));
  for (let i = 0; i < samples; i++) points.push(pixelToCrs(gt, (i / samples) * width, height));
  for (let i = 0; i < samples; i++) points.push(pixelToCrs(gt, width, height - (i / samples) * height));
  for (let i = 0; i < samples; i++) points.push(pixelToCrs(gt, width - (i / samples) * width, 0));
  points.push(points[0]);
  return points;
}

export function chipFootprint(grid: ChipGrid): ChipFootprint {
  const ring = toWgs84(grid.proj4, gridOutline(grid.geoTransform, grid.width, grid.height)) as LonLat[];
  return { id: grid.id, ring, bbox: boundsOf(ring) };
}
