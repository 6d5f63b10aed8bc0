/**
 * world-atlas geometries are meant for spherical renderers: rings that cross ±180° jump from one
 * side of the map to the other, which a flat renderer draws as stripes across the world. Making each
 * ring's longitudes continuous (values beyond ±180° are fine for maplibre) removes the jumps; a ring
 * that goes once around a pole (Antarctica) is closed along that pole's edge of the map.
 */
import type { Feature, FeatureCollection, Geometry, MultiLineString, MultiPolygon, Position } from 'geojson';

export function unwrapLine(points: Position[]): Position[] {
  const out: Position[] = [];
  let shift = 0;
  for (let i = 0; i < points.length; i++) {
    if (i > 0) {
      const delta = points[i][0] - points[i - 1][0];
      if (delta > 180) shift -= 360;
      else if (delta < -180) shift += 360;
    }
    out.push([points[i][0] + shift, points[i][1]]);
  }
  return out;
}

export function unwrapRing(ring: Position[]): Position[] {
  const line = unwrapLine(ring);
  const first = line[0];
  const last = line[line.length - 1];
  if (Math.abs(last[0] - first[0]) < 180) return line;
  // Circumpolar: walk along the nearer pole's edge back to the start.
  const poleLat = line.reduce((sum, p) => sum + p[1], 0) / line.length < 0 ? -90 : 90;
  return [...line, [last[0], poleLat], [first[0], poleLat], first];
}

function unwrapGeometry(geometry: Geometry): Geometry {
  switch (geometry.type) {
    case 'Polygon':
      return { type: 'Polygon', coordinates: geometry.coordinates.map(unwrapRing) };
    case 'MultiPolygon':
      return { type: 'MultiPolygon', coordinates: geometry.coordinates.map((p) => p.map(unwrapRing)) } satisfies MultiPolygon;
    case 'LineString':
      return { type: 'LineString', coordinates: unwrapLine(geometry.coordinates) };
    case 'MultiLineString':
      return { type: 'MultiLineString', coordinates: geometry.coordinates.map(unwrapLine) } satisfies MultiLineString;
    default:
      return geometry;
  }
}

export function unwrapFeatures<T extends Feature | FeatureCollection>(input: T): T {
  if (input.type === 'Feature') return { ...input, geometry: unwrapGeometry(input.geometry) };
  return { ...input, features: input.features.map((f) => ({ ...f, geometry: unwrapGeometry(f.geometry) })) };
}
