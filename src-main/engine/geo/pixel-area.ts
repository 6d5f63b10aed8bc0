/**
 * True ground area of raster pixels.
 * - Projected CRS: |det| of the geotransform's 2×2 part, in the CRS's linear unit squared, converted to m²
 *   (proj4 resolves +units=ft / us-ft / +to_meter). This is the area on the map plane, as GDAL reports it.
 * - Geographic CRS: the exact area of each lon/lat cell on the CRS's ellipsoid (closed form through the
 *   authalic-latitude integral), so it varies by row only.
 */
import proj4 from 'proj4';
import type { CrsInfo } from './crs.ts';
import type { GeoTransform } from './bbox.ts';

export interface RasterGrid {
  crs: CrsInfo;
  geoTransform: GeoTransform;
  width: number;
  height: number;
}

/** A grid whose pixel area cannot be computed (rotated geographic grid, degenerate transform). */
export class PixelAreaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PixelAreaError';
  }
}

interface Ellipsoid {
  /** Semi-major axis, metres. */
  a: number;
  /** First eccentricity squared. */
  es: number;
}

const DEG = Math.PI / 180;

function projectionOf(crs: CrsInfo): { ellipsoid: Ellipsoid; toMetre: number } {
  const projection = proj4.Proj(crs.proj4) as unknown as { a?: number; es?: number; to_meter?: number };
  const a = projection.a ?? 6378137;
  const es = projection.es ?? 0.0066943799901413165;
  return { ellipsoid: { a, es }, toMetre: projection.to_meter ?? 1 };
}

/**
 * ∫ cos φ / (1 − e² sin² φ)² dφ from 0 to φ, times 2 — the ellipsoid's zone-area function:
 * the area between the equator and latitude φ over Δλ radians of longitude is a²(1 − e²) · Δλ · q(φ) / 2.
 */
function zoneAreaFunction(latitude: number, es: number): number {
  const sin = Math.sin(latitude);
  if (es < 1e-15) return 2 * sin;
  const e = Math.sqrt(es);
  return sin / (1 - es * sin * sin) + Math.atanh(e * sin) / e;
}

/** Exact ellipsoidal area (m²) of the cell spanning `lonSpanDeg` of longitude between two latitudes (degrees). */
export function geographicCellAreaM2(lat1Deg: number, lat2Deg: number, lonSpanDeg: number, ellipsoid: Ellipsoid): number {
  const clamp = (lat: number) => Math.max(-90, Math.min(90, lat)) * DEG;
  const q1 = zoneAreaFunction(clamp(lat1Deg), ellipsoid.es);
  const q2 = zoneAreaFunction(clamp(lat2Deg), ellipsoid.es);
  return Math.abs(((ellipsoid.a * ellipsoid.a * (1 - ellipsoid.es)) / 2) * Math.abs(lonSpanDeg) * DEG * (q2 - q1));
}

/** Area in m² of a pixel of `grid`, by row (0-based). Constant for projected grids. */
export function pixelAreaM2ByRow(grid: RasterGrid): (row: number) => number {
  const [originX, pixelWidth, rowRotation, originY, columnRotation, pixelHeight] = grid.geoTransform;
  const determinant = Math.abs(pixelWidth * pixelHeight - rowRotation * columnRotation);
  if (!Number.isFinite(determinant) || determinant === 0 || !Number.isFinite(originX) || !Number.isFinite(originY))
    throw new PixelAreaError('the geotransform is degenerate (zero or non-finite pixel size): pixel areas are undefined');
  const { ellipsoid, toMetre } = projectionOf(grid.crs);
  if (!grid.crs.isGeographic) {
    const area = determinant * toMetre * toMetre;
    return () => area;
  }
  if (rowRotation !== 0 || columnRotation !== 0)
    throw new PixelAreaError('a rotated or sheared geographic grid has no per-row pixel area; reproject it to a north-up grid first');
  const rows = new Float64Array(grid.height);
  for (let row = 0; row < grid.height; row++) {
    rows[row] = geographicCellAreaM2(originY + row * pixelHeight, originY + (row + 1) * pixelHeight, pixelWidth, ellipsoid);
  }
  return (row: number) => {
    if (row >= 0 && row < rows.length) return rows[Math.floor(row)];
    return geographicCellAreaM2(originY + row * pixelHeight, originY + (row + 1) * pixelHeight, pixelWidth, ellipsoid);
  };
}

export interface MaskAreas {
  /** Pixels with value `water` (1). */
  waterPixels: number;
  /** Pixels with value `water` or `dry` (1 or 0); every other value is no data. */
  validPixels: number;
  waterAreaM2: number;
  validAreaM2: number;
}

export const WATER = 1;
export const DRY = 0;

/**
 * Sums water and valid (water or dry) areas of a mask, window by window (any order, any column range).
 * Values other than 1 (water) and 0 (dry) — 255, −1, NaN — count as no data.
 */
export class MaskAreaAccumulator {
  private readonly areaOfRow: (row: number) => number;
  private waterPixels = 0;
  private validPixels = 0;
  private waterAreaM2 = 0;
  private validAreaM2 = 0;

  constructor(grid: RasterGrid) {
    this.areaOfRow = pixelAreaM2ByRow(grid);
  }

  /** Adds a window of `values` (row-major, `windowWidth` wide) whose first row is grid row `firstRow`. */
  add(values: ArrayLike<number>, windowWidth: number, firstRow: number): void {
    const rowCount = Math.floor(values.length / windowWidth);
    for (let r = 0; r < rowCount; r++) {
      let water = 0;
      let valid = 0;
      const start = r * windowWidth;
      for (let i = start; i < start + windowWidth; i++) {
        const value = values[i];
        if (value === WATER) {
          water++;
          valid++;
        } else if (value === DRY) valid++;
      }
      if (valid === 0) continue;
      const area = this.areaOfRow(firstRow + r);
      this.waterPixels += water;
      this.validPixels += valid;
      this.waterAreaM2 += water * area;
      this.validAreaM2 += valid * area;
    }
  }

  result(): MaskAreas {
    return { waterPixels: this.waterPixels, validPixels: this.validPixels, waterAreaM2: this.waterAreaM2, validAreaM2: this.validAreaM2 };
  }
}

/** Water and valid areas of a whole in-memory mask on `grid` (row-major, grid.width wide). */
export function maskAreas(grid: RasterGrid, values: ArrayLike<number>): MaskAreas {
  const accumulator = new MaskAreaAccumulator(grid);
  accumulator.add(values, grid.width, 0);
  return accumulator.result();
}

export const M2_PER_KM2 = 1e6;
export const toKm2 = (areaM2: number): number => areaM2 / M2_PER_KM2;
