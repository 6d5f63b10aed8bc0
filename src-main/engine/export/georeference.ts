import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { GeoTiffWriteError } from './errors.ts';
import type { GeoTransform } from './raster-input.ts';

export type CrsKind = 'projected' | 'geographic';

const kindCache = new Map<number, CrsKind>();

/** Whether an EPSG code is a projected or a geographic 2D CRS, from the bundled epsg-index. */
export function crsKindOf(epsg: number, target: string): CrsKind {
  if (!Number.isInteger(epsg) || epsg <= 0 || epsg > 32767) {
    throw new GeoTiffWriteError(target, `EPSG code must be an integer 1..32767, got ${epsg}`);
  }
  const cached = kindCache.get(epsg);
  if (cached) return cached;
  let entry: { kind?: string; name?: string };
  try {
    const path = createRequire(import.meta.url).resolve(`epsg-index/s/${epsg}.json`);
    entry = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new GeoTiffWriteError(target, `EPSG:${epsg} is not in the EPSG index`);
  }
  let kind: CrsKind;
  if (entry.kind === 'CRS-PROJCRS') kind = 'projected';
  else if (entry.kind === 'CRS-GEOGCRS') kind = 'geographic';
  else
    throw new GeoTiffWriteError(
      target,
      `EPSG:${epsg} (${entry.name ?? '?'}) is a ${entry.kind ?? 'non-CRS'} entry; only projected or geographic 2D CRSs can georeference a GeoTIFF here`,
    );
  kindCache.set(epsg, kind);
  return kind;
}

const GT_MODEL_TYPE = 1024;
const GT_RASTER_TYPE = 1025;
const GEOGRAPHIC_TYPE = 2048;
const PROJECTED_CS_TYPE = 3072;
const MODEL_TYPE_PROJECTED = 1;
const MODEL_TYPE_GEOGRAPHIC = 2;
const RASTER_PIXEL_IS_AREA = 1;

/** GeoKeyDirectoryTag (34735) values: GeoTIFF 1.0 key directory, model type, PixelIsArea, and the EPSG code. */
export function geoKeyDirectory(epsg: number, kind: CrsKind): number[] {
  const keys: [number, number, number, number][] = [
    [GT_MODEL_TYPE, 0, 1, kind === 'projected' ? MODEL_TYPE_PROJECTED : MODEL_TYPE_GEOGRAPHIC],
    [GT_RASTER_TYPE, 0, 1, RASTER_PIXEL_IS_AREA],
    [kind === 'projected' ? PROJECTED_CS_TYPE : GEOGRAPHIC_TYPE, 0, 1, epsg],
  ];
  return [1, 1, 0, keys.length, ...keys.flat()];
}

export type GeorefTags =
  { kind: 'scale-tiepoint'; pixelScale: number[]; tiepoint: number[] } | { kind: 'transformation'; transformation: number[] };

/**
 * North-up transforms use ModelPixelScale + ModelTiepoint (what every reader understands); rotated or
 * sheared ones need ModelTransformation. With PixelIsArea the tiepoint is the outer corner of pixel (0,0).
 */
export function georefTags(gt: GeoTransform): GeorefTags {
  const [x0, px, rx, y0, ry, py] = gt;
  if (rx === 0 && ry === 0) {
    return { kind: 'scale-tiepoint', pixelScale: [px, -py, 0], tiepoint: [0, 0, 0, x0, y0, 0] };
  }
  return { kind: 'transformation', transformation: [px, rx, 0, x0, ry, py, 0, y0, 0, 0, 0, 0, 0, 0, 0, 1] };
}
