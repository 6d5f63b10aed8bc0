/** CRS resolution, band naming, GDAL metadata parsing and S1 unit detection (pure functions). */
import { describe, expect, it } from 'vitest';
import { crsFromGeoKeys, proj4ForEpsg, toWgs84 } from '../../src-main/engine/geo/crs.ts';
import { parseGdalMetadata } from '../../src-main/engine/geo/geotiff-file.ts';
import { canonicalBandName } from '../../src-main/engine/dataset/bands.ts';
import { detectS1Units } from '../../src-main/engine/dataset/units.ts';

describe('CRS from GeoKeys', () => {
  it('EPSG codes resolve from the offline table; missing keys are typed errors', () => {
    expect(crsFromGeoKeys({ GTModelTypeGeoKey: 1, ProjectedCSTypeGeoKey: 32633 }, 'f.tif')).toMatchObject({
      epsg: 32633,
      isGeographic: false,
    });
    expect(crsFromGeoKeys({ GTModelTypeGeoKey: 2, GeographicTypeGeoKey: 4326 }, 'f.tif')).toMatchObject({ epsg: 4326, isGeographic: true });
    expect(() => crsFromGeoKeys(null, 'f.tif')).toThrow(expect.objectContaining({ code: 'no-crs', file: 'f.tif' }));
    expect(() => crsFromGeoKeys({ GTModelTypeGeoKey: 1, ProjectedCSTypeGeoKey: 32799 }, 'f.tif')).toThrow(
      expect.objectContaining({ code: 'unknown-epsg' }),
    );
  });

  it('a user-defined (32767) UTM CRS falls back to geotiff-geokeys-to-proj4 and projects like EPSG:32633', () => {
    const userDefined = crsFromGeoKeys(
      {
        GTModelTypeGeoKey: 1,
        ProjectedCSTypeGeoKey: 32767,
        GeographicTypeGeoKey: 4326,
        ProjectionGeoKey: 32767,
        ProjCoordTransGeoKey: 1,
        ProjLinearUnitsGeoKey: 9001,
        ProjNatOriginLatGeoKey: 0,
        ProjNatOriginLongGeoKey: 15,
        ProjScaleAtNatOriginGeoKey: 0.9996,
        ProjFalseEastingGeoKey: 500000,
        ProjFalseNorthingGeoKey: 0,
      },
      'f.tif',
    );
    expect(userDefined.epsg).toBeNull();
    const [a] = toWgs84(userDefined.proj4, [[663975, 5371865]]);
    const [b] = toWgs84(proj4ForEpsg(32633)!, [[663975, 5371865]]);
    expect(Math.abs(a[0] - b[0])).toBeLessThan(1e-9);
    expect(Math.abs(a[1] - b[1])).toBeLessThan(1e-9);
  });
});

describe('band names and metadata', () => {
  it('maps descriptions to canonical names', () => {
    expect(['B1', 'B2', 'b08', 'B8A', 'B10', 'B12', 'VV', 'vh', 'DEM', 'elevation', 'B13', 'foo'].map(canonicalBandName)).toEqual([
      'B01',
      'B02',
      'B08',
      'B8A',
      'B10',
      'B12',
      'VV',
      'VH',
      'DEM',
      'DEM',
      null,
      null,
    ]);
  });

  it('parses GDAL_METADATA band descriptions and dataset items', () => {
    const xml =
      '<GDALMetadata>\n<Item name="date">2020-10-20</Item>\n<Item name="DESCRIPTION" sample="0" role="description">VV</Item>\n<Item name="DESCRIPTION" sample="2" role="description">A &amp; B</Item>\n<Item name="STATISTICS_MEAN" sample="0">-9.9</Item>\n</GDALMetadata>';
    expect(parseGdalMetadata(xml, 3)).toEqual({ descriptions: ['VV', null, 'A & B'], metadata: { date: '2020-10-20' } });
  });

  it('detects S1 units', () => {
    expect(detectS1Units([-12, -20, -8, 1, Number.NaN], null)).toBe('dB');
    expect(detectS1Units([0.02, 0.1, 0, 0.5], 0)).toBe('linear');
    expect(detectS1Units([Number.NaN], null)).toBeNull();
  });
});
