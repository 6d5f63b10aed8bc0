/**
 * Map contract: chip footprints in WGS84 and chip quicklooks (image / label) warped to a north-up
 * Web Mercator grid, ready for a maplibre `image` source. Pure TS + zod (no Node, no DOM).
 */
import { z } from 'zod';
import { ChipInfoSchema } from './dataset.ts';

const LonLat = z.tuple([z.number(), z.number()]);
export type LonLat = z.infer<typeof LonLat>;

/** The part of a ChipInfo that places it on the earth. */
export const ChipGridSchema = z.object({
  id: z.string(),
  proj4: z.string().min(1),
  geoTransform: z.tuple([z.number(), z.number(), z.number(), z.number(), z.number(), z.number()]),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
});
export type ChipGrid = z.infer<typeof ChipGridSchema>;

export const ChipFootprintSchema = z.object({
  id: z.string(),
  /** Closed ring (first point repeated last) of the raster outline, lon/lat, counter-clockwise. */
  ring: z.array(LonLat),
  /** [minLon, minLat, maxLon, maxLat] of the ring. */
  bbox: z.tuple([z.number(), z.number(), z.number(), z.number()]),
});
export type ChipFootprint = z.infer<typeof ChipFootprintSchema>;

/** `s1`: VV/VH false colour; `s2`: B04/B03/B02 true colour; `label`: water / not water / not valid. */
export const PREVIEW_LAYERS = ['s1', 's2', 'label'] as const;
export const PreviewLayerSchema = z.enum(PREVIEW_LAYERS);
export type PreviewLayer = z.infer<typeof PreviewLayerSchema>;

export const ChipPreviewRequestSchema = z.object({ chip: ChipInfoSchema, layer: PreviewLayerSchema });

export const ChipPreviewSchema = z.object({
  id: z.string(),
  layer: PreviewLayerSchema,
  /** PNG (RGBA) bytes, base64. Transparent outside the chip and where it has no data. */
  pngBase64: z.string(),
  width: z.number().int(),
  height: z.number().int(),
  /** Image corners for maplibre: top-left, top-right, bottom-right, bottom-left, as [lon, lat]. */
  corners: z.tuple([LonLat, LonLat, LonLat, LonLat]),
  /** What the colours mean (stretch ranges, class colours). */
  legend: z.array(z.object({ label: z.string(), colour: z.string() })),
  /**
   * `s1` only: the values behind the colours on the same grid, as a PNG read by the app for the pixel readout,
   * its own dB stretch and histogram: R = VV, G = VH (S1_DB_CODE), B = label (0, 1; 255 none or not valid),
   * A = 255 inside the chip.
   */
  valuesPngBase64: z.string().optional(),
});
export type ChipPreview = z.infer<typeof ChipPreviewSchema>;

/** dB as a byte in `valuesPngBase64`: dB = min + code × step; 255 = no value. */
export const S1_DB_CODE = { min: -50, step: 0.25, none: 255 } as const;
export const dbToCode = (db: number): number =>
  Number.isFinite(db) ? Math.max(0, Math.min(254, Math.round((db - S1_DB_CODE.min) / S1_DB_CODE.step))) : S1_DB_CODE.none;
export const codeToDb = (code: number): number | null => (code === S1_DB_CODE.none ? null : S1_DB_CODE.min + code * S1_DB_CODE.step);

/** Label colours (Okabe–Ito blue, a light sand, a neutral grey): distinct for colour-blind viewers too. */
export const LABEL_COLOURS = {
  water: [0, 114, 178],
  notWater: [230, 220, 180],
  notValid: [120, 120, 120],
} as const satisfies Record<string, readonly [number, number, number]>;

/** Which preview layers a chip can offer, from its band list and label. */
export function previewLayersFor(chip: { bands: readonly string[]; label: unknown }): PreviewLayer[] {
  const layers: PreviewLayer[] = [];
  if (chip.bands.includes('VV') || chip.bands.includes('VH')) layers.push('s1');
  if (['B02', 'B03', 'B04'].every((b) => chip.bands.includes(b))) layers.push('s2');
  if (chip.label) layers.push('label');
  return layers;
}

export function rgbHex(rgb: readonly [number, number, number]): string {
  return '#' + rgb.map((v) => v.toString(16).padStart(2, '0')).join('');
}
