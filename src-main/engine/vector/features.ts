/** Water features as the writers receive them, and the pixel → CRS mapping they share. */
import type { GeoTransform } from '../geo/bbox.ts';
import { ringArea2, type PixelPolygon, type Ring } from './rings.ts';

export interface WaterFeature {
  /** 1-based, in the order components close (top to bottom by their last row). */
  id: number;
  /** Usually one polygon (holes kept); pixel-corner coordinates. */
  polygons: PixelPolygon[];
  pixels: number;
  /** True area of the component's pixels (geo/pixel-area), m². */
  areaM2: number;
}

export interface Envelope {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

export const emptyEnvelope = (): Envelope => ({ minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity });

export function extendEnvelope(envelope: Envelope, ring: ArrayLike<number>): void {
  for (let i = 0; i < ring.length; i += 2) {
    const x = ring[i];
    const y = ring[i + 1];
    if (x < envelope.minX) envelope.minX = x;
    if (x > envelope.maxX) envelope.maxX = x;
    if (y < envelope.minY) envelope.minY = y;
    if (y > envelope.maxY) envelope.maxY = y;
  }
}

/** Pixel-corner ring → CRS coordinates through the geotransform (GDAL order). */
export function ringToCrs(ring: Ring, gt: GeoTransform): Float64Array {
  const out = new Float64Array(ring.length);
  for (let i = 0; i < ring.length; i += 2) {
    const x = ring[i];
    const y = ring[i + 1];
    out[i] = gt[0] + x * gt[1] + y * gt[2];
    out[i + 1] = gt[3] + x * gt[4] + y * gt[5];
  }
  return out;
}

/** Reverses a closed flat ring in place when its orientation is not the one asked (counter-clockwise = positive area). */
export function orient(ring: Float64Array, counterClockwise: boolean): Float64Array {
  if (ringArea2(ring) > 0 === counterClockwise) return ring;
  const count = ring.length / 2;
  for (let i = 0; i < count / 2; i++) {
    const j = count - 1 - i;
    const x = ring[i * 2];
    const y = ring[i * 2 + 1];
    ring[i * 2] = ring[j * 2];
    ring[i * 2 + 1] = ring[j * 2 + 1];
    ring[j * 2] = x;
    ring[j * 2 + 1] = y;
  }
  return ring;
}

/** A feature's polygons in CRS coordinates, OGC/RFC 7946 orientation: shells counter-clockwise, holes clockwise. */
export function featureToCrs(feature: WaterFeature, gt: GeoTransform): Float64Array[][] {
  return feature.polygons.map((polygon) => [
    orient(ringToCrs(polygon.shell, gt), true),
    ...polygon.holes.map((hole) => orient(ringToCrs(hole, gt), false)),
  ]);
}
