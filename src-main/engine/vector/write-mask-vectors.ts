/**
 * Water polygons of a mask GeoTIFF (1 water / 0 dry / other no data) as GeoPackage (raster CRS) and/or GeoJSON
 * (RFC 7946, WGS84): `<outDir>/<stem>_water.gpkg|geojson`. The mask is streamed by rows; each polygon is written
 * as soon as its component closes (the GeoPackage is assembled in memory by sql.js and written on close).
 */
import { join } from 'node:path';
import { VectorOptionsSchema, type VectorFormat, type VectorOptions, type VectorSummary } from '../../api/vector.ts';
import { GeoJsonWriter } from './geojson-writer.ts';
import { GeoPackageWriter } from './geopackage-writer.ts';
import type { WaterFeature } from './features.ts';
import { readMaskGrid } from './mask-rows.ts';
import { polygoniseMask, type PolygoniseProgress } from './polygonise-mask.ts';
import { simplifyPolygon } from './simplify.ts';

export const WATER_LAYER = 'water';

export function vectorFileName(stem: string, format: VectorFormat): string {
  return `${stem}_water.${format}`;
}

export interface WriteMaskVectorsControl {
  signal?: AbortSignal;
  onProgress?: (progress: PolygoniseProgress) => void;
}

/**
 * Polygonises `maskPath` and writes the requested formats into `outDir`.
 * Throws ChipReadError (unreadable mask, no CRS), FileWriteError (cannot write), or the signal's reason when cancelled;
 * no partial file is left behind.
 */
export async function writeMaskVectors(
  maskPath: string,
  outDir: string,
  stem: string,
  options: Partial<VectorOptions> & Pick<VectorOptions, 'formats'>,
  control: WriteMaskVectorsControl = {},
): Promise<VectorSummary> {
  const { formats, minPixels, simplify } = VectorOptionsSchema.parse(options);
  const { grid } = await readMaskGrid(maskPath);
  const files: VectorSummary['files'] = {};
  const gpkgPath = join(outDir, vectorFileName(stem, 'gpkg'));
  const geojsonPath = join(outDir, vectorFileName(stem, 'geojson'));
  const gpkg = formats.includes('gpkg') ? await GeoPackageWriter.create(gpkgPath, grid, { name: WATER_LAYER, description: `water polygons of ${maskPath}` }) : null;
  let geojson: GeoJsonWriter | null = null;
  try {
    geojson = formats.includes('geojson') ? await GeoJsonWriter.create(geojsonPath, grid, WATER_LAYER) : null;
  } catch (error) {
    gpkg?.abort();
    throw error;
  }
  const summary: VectorSummary = { files, features: 0, droppedFeatures: 0, featureAreaKm2: 0, maskWaterAreaKm2: 0, vertices: 0 };
  try {
    await polygoniseMask(
      maskPath,
      async (component) => {
        summary.maskWaterAreaKm2 += component.areaM2 / 1e6;
        if (component.pixels < minPixels) {
          summary.droppedFeatures++;
          return;
        }
        const polygons = simplify > 0 ? component.polygons.map((polygon) => simplifyPolygon(polygon, simplify)) : component.polygons;
        const feature: WaterFeature = { id: summary.features + 1, polygons, pixels: component.pixels, areaM2: component.areaM2 };
        for (const polygon of polygons) for (const ring of [polygon.shell, ...polygon.holes]) summary.vertices += ring.length / 2;
        gpkg?.add(feature);
        await geojson?.add(feature);
        summary.features++;
        summary.featureAreaKm2 += component.areaM2 / 1e6;
      },
      control,
    );
  } catch (error) {
    gpkg?.abort();
    await geojson?.abort();
    throw error;
  }
  if (gpkg) {
    await gpkg.close().catch(async (error: unknown) => {
      await geojson?.abort();
      throw error;
    });
    files.gpkg = gpkgPath;
  }
  if (geojson) {
    await geojson.close();
    files.geojson = geojsonPath;
  }
  return summary;
}
