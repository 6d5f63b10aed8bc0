/**
 * True pixel areas against independent references: PROJ (through GDAL's osr) for geographic grids — a lon/lat
 * cell projected to the ellipsoidal cylindrical equal-area projection is an exact rectangle — and rasterio's
 * transform for projected ones; water areas of real labels summed by numpy.
 */
import { describe, expect, it } from 'vitest';
import { readBands, readRasterHeader } from '../../src-main/engine/geo/geotiff-file.ts';
import { maskAreas, pixelAreaM2ByRow, PixelAreaError, type RasterGrid } from '../../src-main/engine/geo/pixel-area.ts';
import { proj4ForEpsg } from '../../src-main/engine/geo/crs.ts';
import { hasShared, reportSkippedWithoutShared, sharedData } from '../helpers/shared.ts';
import { hasRasterio, runPythonJson } from '../helpers/python-reference.ts';

const ready = hasShared && hasRasterio;
reportSkippedWithoutShared('pixel areas vs PROJ/rasterio');

/** Per-row pixel areas, water/valid areas (label values 1 / 0 or 1) from rasterio + osr, independent of our code. */
const REFERENCE = `
import json, sys
import numpy as np, rasterio
from osgeo import osr
out = []
for path in sys.argv[1:]:
    with rasterio.open(path) as src:
        t = src.transform; label = src.read(1); crs = src.crs
    srs = osr.SpatialReference(); srs.ImportFromWkt(crs.to_wkt())
    if srs.IsGeographic():
        srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
        cea = osr.SpatialReference()
        cea.ImportFromProj4('+proj=cea +lat_ts=0 +lon_0=0 +a=%r +rf=%r' % (srs.GetSemiMajor(), srs.GetInvFlattening()))
        cea.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
        ct = osr.CoordinateTransformation(srs, cea)
        rows = []
        for r in range(label.shape[0]):
            (x0, y0, _), (x1, y1, _) = ct.TransformPoints([(t.c, t.f + r * t.e), (t.c + t.a, t.f + (r + 1) * t.e)])
            rows.append(abs((x1 - x0) * (y1 - y0)))
        rows = np.array(rows)
    else:
        rows = np.full(label.shape[0], abs(t.a * t.e - t.b * t.d) * srs.GetLinearUnits() ** 2)
    water = (label == 1).sum(axis=1); valid = ((label == 1) | (label == 0)).sum(axis=1)
    out.append({'rows': rows.tolist(), 'water': float((water * rows).sum()), 'valid': float((valid * rows).sum())})
print(json.dumps(out))
`;

const CHIPS = [
  ['sen1floods11', 'Spain_7370579', 'Spain_7370579_LabelHand.tif'],
  ['sen1floods11', 's1_label', 'Mekong_333434_LabelHand.tif'],
  ['sen1floods11', 's1_label', 'Pakistan_849790_LabelHand.tif'],
  ['c2smsfloods-s1', 'jja10.tif'],
  ['c2smsfloods-s1', 'pxs10.tif'],
  ['datacubes', 'Spain_7370579_utm30n_label.tif'],
];

async function gridOf(file: string): Promise<RasterGrid> {
  const header = await readRasterHeader(file);
  return { crs: header.crs!, geoTransform: header.geoTransform!, width: header.width, height: header.height };
}

describe.skipIf(!ready)('pixel areas on real chips', () => {
  it('per-row areas and water/valid areas agree with PROJ + numpy to 1e-9', async () => {
    const files = CHIPS.map((parts) => sharedData(...parts));
    const reference = runPythonJson<{ rows: number[]; water: number; valid: number }[]>(REFERENCE, files);
    for (const [index, file] of files.entries()) {
      const grid = await gridOf(file);
      const areaOfRow = pixelAreaM2ByRow(grid);
      const expected = reference[index];
      for (let row = 0; row < grid.height; row++) expect(Math.abs(areaOfRow(row) / expected.rows[row] - 1), `${file} row ${row}`).toBeLessThan(1e-9);
      const [label] = await readBands(file);
      const areas = maskAreas(grid, label);
      expect(Math.abs(areas.validAreaM2 / expected.valid - 1), file).toBeLessThan(1e-9);
      if (expected.water > 0) expect(Math.abs(areas.waterAreaM2 / expected.water - 1), file).toBeLessThan(1e-9);
      else expect(areas.waterAreaM2).toBe(0);
    }
    // Sen1Floods11 pixels (8.98e-5°) near 40° N are about 76 m² — a sanity figure, not the judge.
    const spain = pixelAreaM2ByRow(await gridOf(files[0]))(0);
    expect(spain).toBeGreaterThan(70);
    expect(spain).toBeLessThan(80);
  });
});

describe('pixel areas: units and refusals', () => {
  it('a US-survey-feet CRS converts ft² to m²; a rotated geographic grid is refused', () => {
    const usFeet = { epsg: 2263, proj4: proj4ForEpsg(2263)!, isGeographic: false };
    expect(usFeet.proj4).toContain('us-ft');
    const area = pixelAreaM2ByRow({ crs: usFeet, geoTransform: [0, 10, 0, 0, 0, -10], width: 4, height: 4 })(0);
    expect(area).toBeCloseTo(100 * (1200 / 3937) ** 2, 9);
    const wgs84 = { epsg: 4326, proj4: proj4ForEpsg(4326)!, isGeographic: true };
    expect(() => pixelAreaM2ByRow({ crs: wgs84, geoTransform: [0, 1e-4, 1e-5, 0, 0, -1e-4], width: 4, height: 4 })).toThrow(PixelAreaError);
  });
});
