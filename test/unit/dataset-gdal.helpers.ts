/** GDAL as an independent reference for the chip reader tests (gdalinfo -json, gdaltransform). */
import { execFileSync } from 'node:child_process';
import { expect } from 'vitest';
import type { ChipInfo } from '../../src-main/api/dataset.ts';
import { toWgs84 } from '../../src-main/engine/geo/crs.ts';
import { needs } from '../helpers/references.ts';

export const hasGdal = needs('GDAL comparisons', 'gdal');

export interface GdalInfo {
  size: [number, number];
  geoTransform: number[];
  bands: { type: string; noDataValue?: number | string; description?: string }[];
  stac?: { 'proj:epsg'?: number };
  cornerCoordinates: Record<'upperLeft' | 'lowerLeft' | 'upperRight' | 'lowerRight', [number, number]>;
}
export const gdalinfo = (file: string) => JSON.parse(execFileSync('gdalinfo', ['-json', file], { encoding: 'utf8' })) as GdalInfo;
const GDAL_TYPES: Record<string, string> = {
  Byte: 'uint8',
  Int16: 'int16',
  UInt16: 'uint16',
  Int32: 'int32',
  Float32: 'float32',
  Float64: 'float64',
};

/** Compares a chip with gdalinfo -json of each of its files: EPSG, bbox, size, band count, nodata, dtype, descriptions. */
export function expectMatchesGdal(chip: ChipInfo): void {
  for (const file of [...chip.files, ...(chip.labelFile ? [chip.labelFile] : [])]) {
    const info = gdalinfo(file);
    expect([chip.width, chip.height], file).toEqual(info.size);
    expect(chip.epsg, file).toBe(info.stac?.['proj:epsg']);
    const gt = info.geoTransform;
    const expected = [gt[0], gt[3] + info.size[1] * gt[5], gt[0] + info.size[0] * gt[1], gt[3]];
    chip.bbox!.forEach((v, i) => expect(v, file).toBeCloseTo(expected[i], 9));
    if (file === chip.labelFile) {
      expect(chip.label!.dtype).toBe(GDAL_TYPES[info.bands[0].type]);
      continue;
    }
    const ours = chip.bandDetails.filter((b) => b.file === file);
    expect(ours.length, file).toBe(info.bands.length);
    info.bands.forEach((band, i) => {
      expect(ours[i].dtype).toBe(GDAL_TYPES[band.type]);
      expect(ours[i].nodata).toEqual(band.noDataValue ?? null);
      expect(ours[i].description).toBe(band.description ?? null);
    });
  }
}

/** WGS84 corners by gdaltransform vs proj4 (ours), within 1e-6°. */
export function expectCornersMatchGdaltransform(chip: ChipInfo): void {
  const gt = chip.geoTransform!;
  const corners = [
    [0, 0],
    [0, chip.height!],
    [chip.width!, 0],
    [chip.width!, chip.height!],
  ].map(([c, r]) => [gt[0] + c * gt[1] + r * gt[2], gt[3] + c * gt[4] + r * gt[5]]);
  const out = execFileSync('gdaltransform', ['-s_srs', `EPSG:${chip.epsg}`, '-t_srs', 'EPSG:4326', '-output_xy'], {
    input: corners.map((p) => p.join(' ')).join('\n') + '\n',
    encoding: 'utf8',
  });
  const gdal = out
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number));
  const ours = toWgs84(chip.proj4!, corners as [number, number][]);
  ours.forEach((p, i) => {
    expect(Math.abs(p[0] - gdal[i][0]), `${chip.id} corner ${i} lon`).toBeLessThan(1e-6);
    expect(Math.abs(p[1] - gdal[i][1]), `${chip.id} corner ${i} lat`).toBeLessThan(1e-6);
  });
  const lons = gdal.map((p) => p[0]);
  const lats = gdal.map((p) => p[1]);
  const [minLon, minLat, maxLon, maxLat] = chip.bboxWgs84!;
  // The corner extremes must be inside our (edge-sampled) bbox and our bbox must touch them within 1e-6°.
  expect(Math.abs(minLon - Math.min(...lons))).toBeLessThan(1e-6);
  expect(Math.abs(maxLon - Math.max(...lons))).toBeLessThan(1e-6);
  expect(minLat).toBeLessThanOrEqual(Math.min(...lats) + 1e-6);
  expect(maxLat).toBeGreaterThanOrEqual(Math.max(...lats) - 1e-6);
}
