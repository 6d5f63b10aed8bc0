/**
 * CRS resolution: GeoTIFF GeoKeys → EPSG code + proj4 definition (offline), and coordinate transforms.
 * EPSG definitions come from epsg-index (all.json); user-defined CRSs (code 32767) go through
 * geotiff-geokeys-to-proj4.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import proj4 from 'proj4';
import { toProj4 } from 'geotiff-geokeys-to-proj4';
import { ChipReadError } from './errors.ts';

export interface CrsInfo {
  /** null for a user-defined CRS that has no EPSG code. */
  epsg: number | null;
  proj4: string;
  isGeographic: boolean;
}

const USER_DEFINED = 32767;
export const WGS84_PROJ4 = '+proj=longlat +datum=WGS84 +no_defs +type=crs';

let epsgDefinitions: Map<number, string> | null = null;
let epsgWkts: Map<number, string> | null = null;

function loadEpsgDefinitions(): Map<number, string> {
  if (epsgDefinitions) return epsgDefinitions;
  const path = createRequire(import.meta.url).resolve('epsg-index/all.json');
  const all = JSON.parse(readFileSync(path, 'utf8')) as Record<string, { proj4?: string | null; wkt?: string | null }>;
  const map = new Map<number, string>();
  const wkts = new Map<number, string>();
  for (const [code, entry] of Object.entries(all)) {
    if (entry.proj4) map.set(Number(code), entry.proj4);
    if (entry.wkt) wkts.set(Number(code), entry.wkt);
  }
  epsgDefinitions = map;
  epsgWkts = wkts;
  return map;
}

/** proj4 definition of an EPSG code, or null when the offline table does not know it. */
export function proj4ForEpsg(epsg: number): string | null {
  return loadEpsgDefinitions().get(epsg) ?? null;
}

/** OGC WKT (WKT1, with AUTHORITY) of an EPSG code, or null when the offline table does not know it. */
export function wktForEpsg(epsg: number): string | null {
  loadEpsgDefinitions();
  return epsgWkts!.get(epsg) ?? null;
}

export type GeoKeys = Partial<Record<string, unknown>>;

/** Resolves the CRS of a GeoTIFF from its GeoKeys. Throws ChipReadError no-crs / unknown-epsg. */
export function crsFromGeoKeys(geoKeys: GeoKeys | null, file: string): CrsInfo {
  if (!geoKeys || Object.keys(geoKeys).length === 0) throw new ChipReadError('no-crs', file, 'no GeoKeys: the file has no CRS');
  const projected = (geoKeys.ProjectedCSTypeGeoKey ?? geoKeys.ProjectedCRSGeoKey) as number | undefined;
  const geographic = (geoKeys.GeographicTypeGeoKey ?? geoKeys.GeodeticCRSGeoKey) as number | undefined;
  const modelType = geoKeys.GTModelTypeGeoKey as number | undefined;
  const code = modelType === 2 ? geographic : (projected ?? (modelType === undefined ? geographic : undefined));
  if (code !== undefined && code !== USER_DEFINED) {
    const definition = proj4ForEpsg(code);
    if (!definition)
      throw new ChipReadError('unknown-epsg', file, `EPSG:${code} is not in the offline EPSG definitions (or has no proj4 form)`);
    if (/\+proj=geocent\b/.test(definition)) throw new ChipReadError('unknown-epsg', file, `EPSG:${code} is geocentric, not a map CRS`);
    return { epsg: code, proj4: definition, isGeographic: /\+proj=longlat\b/.test(definition) };
  }
  if (modelType === undefined && code === undefined) throw new ChipReadError('no-crs', file, 'GeoKeys name no model type and no CRS code');
  const converted = toProj4(geoKeys as never);
  // `bothGCSAndPCSAreSet` is informational: GDAL writes the base geographic CRS next to a user-defined projection.
  const problems = Object.keys(converted.errors ?? {}).filter((key) => key !== 'bothGCSAndPCSAreSet');
  if (problems.length > 0) throw new ChipReadError('no-crs', file, `user-defined CRS cannot be converted (${problems.join(', ')})`);
  if (converted.shouldConvertCoordinates)
    throw new ChipReadError('no-crs', file, 'user-defined CRS with non-metre/non-degree units is not supported');
  return { epsg: null, proj4: converted.proj4, isGeographic: converted.isGCS };
}

const converters = new Map<string, proj4.Converter>();

/** Transforms [x, y] from `fromProj4` to WGS84 lon/lat degrees. */
export function toWgs84(fromProj4: string, points: [number, number][]): [number, number][] {
  let converter = converters.get(fromProj4);
  if (!converter) {
    converter = proj4(fromProj4, WGS84_PROJ4);
    converters.set(fromProj4, converter);
  }
  const forward = converter.forward.bind(converter);
  return points.map((p) => forward([p[0], p[1]]) as [number, number]);
}
