/** Predicted and labelled water areas (km²) of evaluated chips, from true pixel areas on each chip's grid. */
import type { ChipInfo } from '../../api/dataset.ts';
import type { ChipWaterArea, WaterAreas } from '../../api/run.ts';
import { pixelAreaM2ByRow, toKm2, type RasterGrid } from '../geo/pixel-area.ts';

/** The chip's grid, or null when it has no CRS or geotransform. */
export function chipGrid(chip: ChipInfo): RasterGrid | null {
  if (!chip.proj4 || !chip.geoTransform || !chip.width || !chip.height) return null;
  const crs = { epsg: chip.epsg, proj4: chip.proj4, isGeographic: /\+proj=longlat\b/.test(chip.proj4) };
  return { crs, geoTransform: chip.geoTransform, width: chip.width, height: chip.height };
}

/**
 * Areas over the label-valid pixels: `mask` 1 = predicted water; `label` 1 = water. Null without a georeference or
 * when the grid's pixel areas are undefined (e.g. a rotated geographic grid).
 */
export function chipWaterArea(chip: ChipInfo, mask: Uint8Array, label: ArrayLike<number>, labelValid: Uint8Array): ChipWaterArea | null {
  const grid = chipGrid(chip);
  if (!grid || mask.length !== grid.width * grid.height) return null;
  let areaOfRow: (row: number) => number;
  try {
    areaOfRow = pixelAreaM2ByRow(grid);
  } catch {
    return null;
  }
  let predicted = 0;
  let labelled = 0;
  let valid = 0;
  for (let row = 0; row < grid.height; row++) {
    let predictedPixels = 0;
    let labelPixels = 0;
    let validPixels = 0;
    for (let i = row * grid.width; i < (row + 1) * grid.width; i++) {
      if (!labelValid[i]) continue;
      validPixels++;
      if (mask[i] === 1) predictedPixels++;
      if (label[i] === 1) labelPixels++;
    }
    const area = areaOfRow(row);
    predicted += predictedPixels * area;
    labelled += labelPixels * area;
    valid += validPixels * area;
  }
  return { id: chip.id, predictedWaterKm2: toKm2(predicted), labelWaterKm2: toKm2(labelled), validAreaKm2: toKm2(valid) };
}

export function totalWaterAreas(perChip: ChipWaterArea[]): WaterAreas {
  const sum = (key: 'predictedWaterKm2' | 'labelWaterKm2' | 'validAreaKm2') => perChip.reduce((total, chip) => total + chip[key], 0);
  return { perChip, total: { predictedWaterKm2: sum('predictedWaterKm2'), labelWaterKm2: sum('labelWaterKm2'), validAreaKm2: sum('validAreaKm2'), chips: perChip.length } };
}
