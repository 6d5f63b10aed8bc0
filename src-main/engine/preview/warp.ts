/**
 * Resampling a chip onto a north-up Web Mercator grid (what maplibre's `image` source stretches
 * linearly between its corners), nearest neighbour: every output pixel centre is mapped back through
 * proj4 to the source pixel it falls in, so a UTM chip lands exactly where its pixels are.
 */
import proj4 from 'proj4';
import type { ChipGrid, LonLat } from '../../api/preview.ts';
import { WGS84_PROJ4 } from '../geo/crs.ts';
import { chipFootprint } from './footprint.ts';
import { latOfMercatorY, lonOfMercatorX, mercatorX, mercatorY } from './web-mercator.ts';

export interface MercatorGrid {
  width: number;
  height: number;
  /** Web Mercator metres of the outer edges. */
  left: number;
  top: number;
  /** Metres per output pixel, x and y. */
  pixelX: number;
  pixelY: number;
  /** top-left, top-right, bottom-right, bottom-left as [lon, lat]. */
  corners: [LonLat, LonLat, LonLat, LonLat];
}

const MAX_SIDE = 2048;

function isNorthUp(gt: ChipGrid['geoTransform']): boolean {
  return gt[2] === 0 && gt[4] === 0 && gt[1] > 0 && gt[5] < 0;
}

/**
 * Output grid covering the chip's footprint. A north-up lon/lat chip keeps its own pixel count per axis
 * (rows then match source rows to a small fraction of a pixel, so nearest neighbour copies pixels 1:1);
 * any other CRS gets square Web Mercator pixels with about the source's pixel count.
 */
export function mercatorGridFor(grid: ChipGrid, geographic: boolean): MercatorGrid {
  const [west, south, east, north] = chipFootprint(grid).bbox;
  const left = mercatorX(west);
  const right = mercatorX(east);
  const top = mercatorY(north);
  const bottom = mercatorY(south);
  let width: number;
  let height: number;
  if (geographic && isNorthUp(grid.geoTransform)) {
    width = grid.width;
    height = grid.height;
  } else {
    const pixel = Math.sqrt(((right - left) * (top - bottom)) / (grid.width * grid.height));
    width = Math.max(1, Math.round((right - left) / pixel));
    height = Math.max(1, Math.round((top - bottom) / pixel));
  }
  const scale = Math.min(1, MAX_SIDE / Math.max(width, height));
  width = Math.max(1, Math.round(width * scale));
  height = Math.max(1, Math.round(height * scale));
  const corners: [LonLat, LonLat, LonLat, LonLat] = [
    [west, north],
    [east, north],
    [east, south],
    [west, south],
  ];
  return { width, height, left, top, pixelX: (right - left) / width, pixelY: (top - bottom) / height, corners };
}

/** Source pixel coordinates (fractional col, row) of a lon/lat, through the inverse geotransform. */
function crsToPixel(gt: ChipGrid['geoTransform']): (x: number, y: number) => [number, number] {
  const det = gt[1] * gt[5] - gt[2] * gt[4];
  return (x: number, y: number) => {
    const dx = x - gt[0];
    const dy = y - gt[3];
    return [(gt[5] * dx - gt[2] * dy) / det, (gt[1] * dy - gt[4] * dx) / det];
  };
}

/** Control points are projected exactly every CONTROL_STEP output pixels and interpolated between. */
const CONTROL_STEP = 8;

/**
 * For each output pixel, the index (row * width + col) of the source pixel under its centre, or -1
 * outside the chip. proj4 runs on a control grid and is interpolated bilinearly in between: over 8
 * output pixels the projection is linear to far below a pixel (checked against exact proj4 in tests).
 */
export function sourceIndexMap(grid: ChipGrid, target: MercatorGrid): Int32Array {
  const toSource = proj4(WGS84_PROJ4, grid.proj4);
  const toPixel = crsToPixel(grid.geoTransform);
  const exact = (col: number, row: number): [number, number] => {
    const lon = lonOfMercatorX(target.left + col * target.pixelX);
    const lat = latOfMercatorY(target.top - row * target.pixelY);
    const [x, y] = toSource.forward([lon, lat]) as [number, number];
    return toPixel(x, y);
  };
  const cols = Math.ceil(target.width / CONTROL_STEP) + 1;
  const rows = Math.ceil(target.height / CONTROL_STEP) + 1;
  const control = new Float64Array(cols * rows * 2);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const [px, py] = exact(Math.min(c * CONTROL_STEP, target.width), Math.min(r * CONTROL_STEP, target.height));
      control[(r * cols + c) * 2] = px;
      control[(r * cols + c) * 2 + 1] = py;
    }
  }
  const out = new Int32Array(target.width * target.height).fill(-1);
  for (let row = 0; row < target.height; row++) {
    const fy = row + 0.5;
    const r0 = Math.min(Math.floor(fy / CONTROL_STEP), rows - 2);
    const y0 = r0 * CONTROL_STEP;
    const y1 = Math.min((r0 + 1) * CONTROL_STEP, target.height);
    const ty = (fy - y0) / (y1 - y0);
    for (let col = 0; col < target.width; col++) {
      const fx = col + 0.5;
      const c0 = Math.min(Math.floor(fx / CONTROL_STEP), cols - 2);
      const x0 = c0 * CONTROL_STEP;
      const x1 = Math.min((c0 + 1) * CONTROL_STEP, target.width);
      const tx = (fx - x0) / (x1 - x0);
      const a = (r0 * cols + c0) * 2;
      const b = a + 2;
      const c = a + cols * 2;
      const d = c + 2;
      const sx = (1 - ty) * ((1 - tx) * control[a] + tx * control[b]) + ty * ((1 - tx) * control[c] + tx * control[d]);
      const sy = (1 - ty) * ((1 - tx) * control[a + 1] + tx * control[b + 1]) + ty * ((1 - tx) * control[c + 1] + tx * control[d + 1]);
      const sc = Math.floor(sx);
      const sr = Math.floor(sy);
      if (sc >= 0 && sr >= 0 && sc < grid.width && sr < grid.height) out[row * target.width + col] = sr * grid.width + sc;
    }
  }
  return out;
}

/** Exact (no interpolation) source pixel of one output pixel centre: the reference for tests. */
export function exactSourcePixel(grid: ChipGrid, target: MercatorGrid, col: number, row: number): [number, number] {
  const lon = lonOfMercatorX(target.left + (col + 0.5) * target.pixelX);
  const lat = latOfMercatorY(target.top - (row + 0.5) * target.pixelY);
  const [x, y] = proj4(WGS84_PROJ4, grid.proj4).forward([lon, lat]) as [number, number];
  return crsToPixel(grid.geoTransform)(x, y);
}

/** Copies source RGBA pixels through an index map; unmapped pixels stay transparent. */
export function applyIndexMap(sourceRgba: Uint8Array, indexMap: Int32Array): Uint8Array {
  const out = new Uint8Array(indexMap.length * 4);
  for (let i = 0; i < indexMap.length; i++) {
    const s = indexMap[i];
    if (s < 0) continue;
    out[i * 4] = sourceRgba[s * 4];
    out[i * 4 + 1] = sourceRgba[s * 4 + 1];
    out[i * 4 + 2] = sourceRgba[s * 4 + 2];
    out[i * 4 + 3] = sourceRgba[s * 4 + 3];
  }
  return out;
}
