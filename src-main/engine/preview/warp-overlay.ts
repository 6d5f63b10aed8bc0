/** Prediction layers onto the same Web Mercator grid as the chip quicklooks (`chip.preview`). */
import type { ChipInfo } from '../../api/dataset.ts';
import type { MapOverlay } from '../../api/runs.ts';
import { chipGridOf } from './chip-preview.ts';
import { encodePng } from './png.ts';
import { applyIndexMap, mercatorGridFor, sourceIndexMap } from './warp.ts';

export type Legend = MapOverlay['legend'];

/** Warps several RGBA layers of one chip with a single index map (the costly part is done once). */
export function overlayWarper(chip: ChipInfo): (rgba: Uint8Array, legend: Legend) => MapOverlay {
  const grid = chipGridOf(chip);
  const target = mercatorGridFor(grid, /\+proj=longlat\b/.test(grid.proj4));
  const indexMap = sourceIndexMap(grid, target);
  return (rgba, legend) => ({
    pngBase64: encodePng(target.width, target.height, applyIndexMap(rgba, indexMap)).toString('base64'),
    width: target.width,
    height: target.height,
    corners: target.corners,
    legend,
  });
}
