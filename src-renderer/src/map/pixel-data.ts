/**
 * The numbers behind the map layers, read in the app: a run's probabilities (re-thresholded live into mask,
 * error map, disagreement and chip metrics) and the radar dB values (pixel readout, stretch, histogram).
 */
import type { ConfusionCounts } from '../../../src-main/api/metrics.ts';
import { codeToDb, type LonLat } from '../../../src-main/api/preview.ts';
import type { MapOverlay, PredictionPixels } from '../../../src-main/api/runs.ts';

type Rgb = readonly [number, number, number];
export type Corners = MapOverlay['corners'];

/** A decoded map-grid PNG (RGBA bytes, exact: alpha is 255 wherever a value is stored). */
export interface MapGridData {
  width: number;
  height: number;
  rgba: Uint8ClampedArray;
  corners: Corners;
}

const bytesOf = (base64: string) => Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));

export async function decodeMapGrid(pngBase64: string, corners: Corners): Promise<MapGridData> {
  const bitmap = await createImageBitmap(new Blob([bytesOf(pngBase64)], { type: 'image/png' }), {
    premultiplyAlpha: 'none',
    colorSpaceConversion: 'none',
  });
  const { width, height } = bitmap;
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d', { willReadFrequently: true })!;
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  return { width, height, rgba: context.getImageData(0, 0, width, height, { colorSpace: 'srgb' }).data, corners };
}

/** The chip-grid arrays of a prediction (for exact metrics). */
export function chipArrays(pixels: PredictionPixels): { probability: Float32Array; label: Uint8Array | null } {
  const bytes = bytesOf(pixels.probabilityF32);
  return {
    probability: new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4),
    label: pixels.labelU8 ? bytesOf(pixels.labelU8) : null,
  };
}

/** Confusion counts at `threshold` as the engine counts them: valid label pixels; no input counts as not water. */
export function countsAt(probability: Float32Array, label: Uint8Array, threshold: number): ConfusionCounts {
  const counts = { tp: 0, fp: 0, fn: 0, tn: 0, ignored: 0 };
  for (let i = 0; i < label.length; i++) {
    if (label[i] === 255) {
      counts.ignored++;
      continue;
    }
    const predicted = probability[i] > threshold; // NaN (no input) is never above
    if (predicted) counts[label[i] === 1 ? 'tp' : 'fp']++;
    else counts[label[i] === 1 ? 'fn' : 'tn']++;
  }
  return counts;
}

/** Probability stored in a run's map-grid data at pixel `i` (null where the model had no input). */
export const probabilityAt = (data: MapGridData, i: number): number | null =>
  data.rgba[i * 4 + 3] === 0 ? null : (data.rgba[i * 4] * 256 + data.rgba[i * 4 + 1]) / 65535;

/** Label byte at pixel `i` of a map-grid data layer: 1 water, 0 not water, null none / not valid. */
export function labelAt(data: MapGridData, i: number): 0 | 1 | null {
  if (data.rgba[i * 4 + 3] === 0) return null;
  const value = data.rgba[i * 4 + 2];
  return value === 1 ? 1 : value === 0 ? 0 : null;
}

/** RGBA of one run at `threshold`: its mask, or its error map against the label. */
export function runLayerRgba(
  data: MapGridData,
  threshold: number,
  layer: 'mask' | 'error',
  colours: { mask: Rgb; tp: Rgb; fp: Rgb; fn: Rgb },
): ImageData {
  const out = new ImageData(data.width, data.height);
  for (let i = 0; i < data.width * data.height; i++) {
    const p = probabilityAt(data, i);
    if (p === null && layer === 'mask') continue;
    const water = p !== null && p > threshold;
    let colour: Rgb | null = null;
    if (layer === 'mask') colour = water ? colours.mask : null;
    else {
      const label = labelAt(data, i);
      if (label === null) continue;
      colour = water ? (label === 1 ? colours.tp : colours.fp) : label === 1 ? colours.fn : null;
    }
    if (colour) out.data.set([colour[0], colour[1], colour[2], 255], i * 4);
  }
  return out;
}

/** Where exactly one of two runs says water at their thresholds (pixels without input in either left out). */
export function disagreementRgba(
  a: MapGridData,
  b: MapGridData,
  thresholds: [number, number],
  colours: { onlyA: Rgb; onlyB: Rgb },
): ImageData {
  const out = new ImageData(a.width, a.height);
  for (let i = 0; i < a.width * a.height; i++) {
    const pa = probabilityAt(a, i);
    const pb = probabilityAt(b, i);
    if (pa === null || pb === null) continue;
    const wa = pa > thresholds[0];
    if (wa === pb > thresholds[1]) continue;
    const c = wa ? colours.onlyA : colours.onlyB;
    out.data.set([c[0], c[1], c[2], 255], i * 4);
  }
  return out;
}

/** Share of pixels (with input in both) where two runs differ, on the chip grid. */
export function differingShare(a: Float32Array, b: Float32Array, thresholds: [number, number]): number | null {
  let compared = 0;
  let differing = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]) || Number.isNaN(b[i])) continue;
    compared++;
    if (a[i] > thresholds[0] !== b[i] > thresholds[1]) differing++;
  }
  return compared === 0 ? null : differing / compared;
}

/** Radar false colour with the user's dB ranges: red VV, green VH, blue VV−VH (0…15 dB), as the engine draws it. */
export function s1Rgba(values: MapGridData, stretch: { vv: [number, number]; vh: [number, number] }): ImageData {
  const out = new ImageData(values.width, values.height);
  const byte = (v: number, [low, high]: [number, number]) => Math.max(0, Math.min(255, Math.round(((v - low) / (high - low)) * 255)));
  for (let i = 0; i < values.width * values.height; i++) {
    if (values.rgba[i * 4 + 3] === 0) continue;
    const vv = codeToDb(values.rgba[i * 4]);
    const vh = codeToDb(values.rgba[i * 4 + 1]);
    if (vv === null && vh === null) continue;
    if (vv !== null && vh !== null) out.data.set([byte(vv, stretch.vv), byte(vh, stretch.vh), byte(vv - vh, [0, 15]), 255], i * 4);
    else {
      const grey = vv !== null ? byte(vv, stretch.vv) : byte(vh!, stretch.vh);
      out.data.set([grey, grey, grey, 255], i * 4);
    }
  }
  return out;
}

/** dB histograms of VV and VH over the chip (1 dB bins from `range[0]` to `range[1]`). */
export function dbHistograms(
  values: MapGridData,
  range: [number, number] = [-40, 5],
): { vv: number[]; vh: number[]; range: [number, number] } {
  const bins = range[1] - range[0];
  const vv = new Array<number>(bins).fill(0);
  const vh = new Array<number>(bins).fill(0);
  const put = (target: number[], db: number | null) => {
    if (db === null) return;
    const k = Math.floor(db - range[0]);
    if (k >= 0 && k < bins) target[k]++;
  };
  for (let i = 0; i < values.width * values.height; i++) {
    if (values.rgba[i * 4 + 3] === 0) continue;
    put(vv, codeToDb(values.rgba[i * 4]));
    put(vh, codeToDb(values.rgba[i * 4 + 1]));
  }
  return { vv, vh, range };
}

const mercX = (lon: number) => (lon * Math.PI) / 180;
const mercY = (lat: number) => Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360));

/** The pixel index of `at` in a north-up Web Mercator grid with these corners, or null outside it. */
export function pixelIndexAt(grid: { width: number; height: number; corners: Corners }, at: LonLat): number | null {
  const [topLeft, topRight, bottomRight] = grid.corners;
  const x = Math.floor(((mercX(at[0]) - mercX(topLeft[0])) / (mercX(topRight[0]) - mercX(topLeft[0]))) * grid.width);
  const y = Math.floor(((mercY(topLeft[1]) - mercY(at[1])) / (mercY(topLeft[1]) - mercY(bottomRight[1]))) * grid.height);
  return x >= 0 && y >= 0 && x < grid.width && y < grid.height ? y * grid.width + x : null;
}

/** An ImageData as a PNG object URL for a maplibre image source. */
export async function imageUrl(image: ImageData): Promise<string> {
  const canvas = new OffscreenCanvas(image.width, image.height);
  canvas.getContext('2d')!.putImageData(image, 0, 0);
  return URL.createObjectURL(await canvas.convertToBlob({ type: 'image/png' }));
}
