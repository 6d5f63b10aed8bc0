/**
 * Water polygons judged by GDAL: OGR opens the GeoPackage (which GDAL's validate_gpkg passes) and the GeoJSON,
 * GEOS finds every polygon valid, the
 * feature count equals gdal_polygonize's (4-connected) water polygons, and the polygons' area equals the mask's water
 * area from numpy (exactly without simplification, within 1 % with it). Masks: a real C2S-MS label (UTM) and
 * mosaics of real labels of odd size (UTM and WGS84) built by test/helpers/vector_judge.py.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeMaskVectors } from '../../src-main/engine/vector/write-mask-vectors.ts';
import { hasShared, reportSkippedWithoutShared, sharedData } from '../helpers/shared.ts';
import { hasRasterio } from '../helpers/python-reference.ts';
import { buildMosaic, judgeVectors as judge } from '../helpers/vector-judge.ts';

const ready = hasShared && hasRasterio;
reportSkippedWithoutShared('vector polygons vs GDAL');

const UTM_LABELS = [sharedData('c2smsfloods-s1', 'jja10.tif'), sharedData('c2smsfloods-s1', 'pxs10.tif'), sharedData('datacubes', 'Spain_7370579_utm30n_label.tif')];
const S1F11 = sharedData('sen1floods11', 's1_label');

describe.skipIf(!ready)('water polygons vs GDAL', () => {
  let dir: string;
  const masks: Record<string, string> = {};

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'floodlens-vector-'));
    masks.chip = UTM_LABELS[0];
    masks.utmMosaic = join(dir, 'utm-mosaic.tif');
    buildMosaic(masks.utmMosaic, 1279, 1021, UTM_LABELS);
    masks.wgs84Mosaic = join(dir, 'wgs84-mosaic.tif');
    const labels = readdirSync(S1F11).filter((f) => f.endsWith('_LabelHand.tif')).sort().map((f) => join(S1F11, f));
    buildMosaic(masks.wgs84Mosaic, 1535, 1025, [sharedData('sen1floods11', 'Spain_7370579', 'Spain_7370579_LabelHand.tif'), ...labels]);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(['chip', 'utmMosaic', 'wgs84Mosaic'])('%s: exact outlines — same count as gdal_polygonize, same area as the mask', async (name) => {
    const summary = await writeMaskVectors(masks[name], join(dir, name), name, { formats: ['gpkg', 'geojson'] });
    const judged = judge(masks[name], 1, [summary.files.gpkg!, summary.files.geojson!]);
    expect(judged.gdalPolygons).toBeGreaterThan(20);
    expect(summary.features).toBe(judged.gdalPolygons);
    expect(Math.abs(summary.maskWaterAreaKm2 * 1e6 / judged.maskWaterM2 - 1)).toBeLessThan(1e-9);
    const gpkg = judged.files[summary.files.gpkg!];
    const geojson = judged.files[summary.files.geojson!];
    expect(gpkg).toMatchObject({ driver: 'GPKG', features: judged.gdalPolygons, invalid: 0, gpkgErrors: [] });
    expect(geojson).toMatchObject({ driver: 'GeoJSON', features: judged.gdalPolygons, invalid: 0, epsg: '4326' });
    // Pixel outlines in the mask's own CRS: the area is the mask's water area (projected: exactly; geographic: to
    // the straight-edge approximation of a lon/lat cell). GeoJSON in WGS84 adds the map projection's scale (< 0.1 %).
    expect(Math.abs(gpkg.areaM2 / judged.maskWaterM2 - 1)).toBeLessThan(1e-6);
    expect(Math.abs(geojson.areaM2 / judged.maskWaterM2 - 1)).toBeLessThan(0.01);
  });

  it.each(['utmMosaic', 'wgs84Mosaic'])('%s: minimum mapping unit and simplification keep polygons valid and the area within 1 percent', async (name) => {
    const summary = await writeMaskVectors(masks[name], join(dir, `${name}-mmu`), name, { formats: ['gpkg', 'geojson'], minPixels: 10, simplify: 1 });
    const judged = judge(masks[name], 10, [summary.files.gpkg!, summary.files.geojson!]);
    expect(summary.features).toBe(judged.gdalPolygonsAtLeastMin);
    expect(summary.droppedFeatures).toBe(judged.gdalPolygons - judged.gdalPolygonsAtLeastMin);
    for (const file of [summary.files.gpkg!, summary.files.geojson!]) {
      expect(judged.files[file]).toMatchObject({ features: summary.features, invalid: 0 });
      if (file.endsWith('.gpkg')) expect(judged.files[file].gpkgErrors).toEqual([]);
      expect(Math.abs(judged.files[file].areaM2 / (summary.featureAreaKm2 * 1e6) - 1), file).toBeLessThan(0.01);
    }
  });
});
