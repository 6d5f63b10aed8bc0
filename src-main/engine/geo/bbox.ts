import { toWgs84, type CrsInfo } from './crs.ts';

export type Bbox = [number, number, number, number];
/** GDAL order: [originX, pixelWidth, rowRotation, originY, columnRotation, pixelHeight]. */
export type GeoTransform = [number, number, number, number, number, number];

export function pixelToCrs(gt: GeoTransform, col: number, row: number): [number, number] {
  return [gt[0] + col * gt[1] + row * gt[2], gt[3] + col * gt[4] + row * gt[5]];
}

/** Corners in GDAL's order: upper-left, lower-left, upper-right, lower-right. */
export function cornerPoints(gt: GeoTransform, width: number, height: number): [number, number][] {
  return [pixelToCrs(gt, 0, 0), pixelToCrs(gt, 0, height), pixelToCrs(gt, width, 0), pixelToCrs(gt, width, height)];
}

export function boundsOf(points: [number, number][]): Bbox {
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

/** [minX, minY, maxX, maxY] of the raster extent in its own CRS. */
export function nativeBbox(gt: GeoTransform, width: number, height: number): Bbox {
  return boundsOf(cornerPoints(gt, width, height));
}

/**
 * Extent in WGS84 [minLon, minLat, maxLon, maxLat]. For projected CRSs the 4 corners plus `edgeSamples`
 * points along each edge are transformed, because a projected rectangle's edges are curves in lon/lat.
 */
export function wgs84Bbox(gt: GeoTransform, width: number, height: number, crs: CrsInfo, edgeSamples = 16): Bbox {
  if (crs.epsg === 4326) return nativeBbox(gt, width, height);
  const points: [number, number][] = [];
  for (let i = 0; i <= edgeSamples; i++) {
    const t = i / edgeSamples;
    points.push(pixelToCrs(gt, t * width, 0), pixelToCrs(gt, t * width, height));
    points.push(pixelToCrs(gt, 0, t * height), pixelToCrs(gt, width, t * height));
  }
  return boundsOf(toWgs84(crs.proj4, points));
}

/** WGS84 lon/lat of the bbox centre (what rasterio's `lnglat()` gives for a chip). */
export function wgs84Centre(bbox: Bbox, crs: CrsInfo): [number, number] {
  const centre: [number, number] = [(bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2];
  if (crs.epsg === 4326) return centre;
  return toWgs84(crs.proj4, [centre])[0];
}
