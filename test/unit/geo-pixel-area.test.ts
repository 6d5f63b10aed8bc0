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
import { hasRasterio } from '../helpers/python-reference.ts';
import { referenceAreas } from '../helpers/vector-judge.ts';

const ready = hasShared && hasRasterio;
reportSkippedWithoutShared('pixel areas vs PROJ/rasterio');

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
    const reference = referenceAreas(files.map((label) => ({ label })));
    for (const file of files) {
      const grid = await gridOf(file);
      const areaOfRow = pixelAreaM2ByRow(grid);
      const expected = reference.get(file)!;
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
