/**
 * The colours the map, its legends and its printout need as JS strings (MapLibre paint properties, canvas
 * styles): one owner, named. Thematic layer colours come from the api (LABEL_COLOURS, RUN_MASK_COLOURS…);
 * the UI's own colours live in theme.css (print uses the same values: ink, text, muted).
 */
import { LABEL_COLOURS, rgbHex } from '../../../src-main/api/preview.ts';
import { PROBABILITY_RAMP } from '../../../src-main/api/runs.ts';

const mix = (a: readonly [number, number, number], b: readonly [number, number, number], t: number) =>
  a.map((v, i) => Math.round(v + (b[i] - v) * t)) as [number, number, number];

export const BASEMAP_COLOURS = {
  // Ocean a muted grey-blue and land a warm off-white: both far from the saturated water-mask blue.
  ocean: '#c9d2d9',
  land: '#f3f0e8',
  coastline: '#8b9aa6',
  boundary: '#a59a8c',
} as const;

/** Chip footprints: filled from the label's sand (dry) to its blue (all water); grey without a label. */
export const FOOTPRINT_COLOURS = {
  dry: rgbHex(LABEL_COLOURS.notWater),
  halfWater: rgbHex(mix(LABEL_COLOURS.notWater, LABEL_COLOURS.water, 0.5)),
  allWater: rgbHex(LABEL_COLOURS.water),
  noLabel: '#8c8c8c',
  outline: '#17324d',
  selected: '#000000',
} as const;

/** The engine's probability ramp as a CSS gradient, 0 at the left to 1 at the right, its stops evenly spaced as in the tiles. */
export const PROBABILITY_GRADIENT = `linear-gradient(to right, ${PROBABILITY_RAMP.map(
  (rgb, i) => `${rgbHex(rgb)} ${(100 * i) / (PROBABILITY_RAMP.length - 1)}%`,
).join(', ')})`;

/** The Sentinel-1 false-colour composite's channels. */
export const S1_CHANNEL_COLOURS = { vv: '#ff0000', vh: '#00ff00', ratio: '#0000ff' } as const;

/** The printed map's page (theme.css values: ink, text, text-2, muted). */
export const PRINT_COLOURS = {
  paper: '#ffffff',
  title: '#17324d',
  text: '#1d2933',
  heading: '#3b4852',
  muted: '#5b6873',
  frame: '#17324d',
  veil: '#ffffffdd',
  mark: '#000000',
  swatchEdge: '#00000055',
} as const;
