/** Legends of every map layer, from the same colour constants the layers are drawn with. */
import { LABEL_COLOURS, rgbHex } from '../../../src-main/api/preview.ts';
import { DISAGREEMENT_COLOURS, ERROR_COLOURS, MASK_COLOUR, PROBABILITY_RAMP, RUN_MASK_COLOURS } from '../../../src-main/api/runs.ts';
import { FOOTPRINT_COLOURS, PROBABILITY_GRADIENT } from './map-colours.ts';

export interface LegendItem {
  label: string;
  colour: string;
}

/** A continuous layer's colour bar: a CSS gradient, labels at its evenly spaced stops, and an optional mark (0…1). */
export interface LegendRamp {
  gradient: string;
  ticks: string[];
  mark?: { at: number; label: string };
}

export const LABEL_LEGEND: LegendItem[] = [
  { label: 'water', colour: rgbHex(LABEL_COLOURS.water) },
  { label: 'not water', colour: rgbHex(LABEL_COLOURS.notWater) },
  { label: 'not valid', colour: rgbHex(LABEL_COLOURS.notValid) },
];

export const FOOTPRINT_LEGEND: LegendItem[] = [
  { label: 'dry', colour: FOOTPRINT_COLOURS.dry },
  { label: '50 % water', colour: FOOTPRINT_COLOURS.halfWater },
  { label: 'all water', colour: FOOTPRINT_COLOURS.allWater },
  { label: 'no label', colour: FOOTPRINT_COLOURS.noLabel },
  { label: 'selected', colour: FOOTPRINT_COLOURS.selected },
];

export const maskLegend = (slot: 'a' | 'b'): LegendItem[] => [
  { label: `water (run ${slot.toUpperCase()})`, colour: rgbHex(RUN_MASK_COLOURS[slot]) },
];

/** Scene masks are drawn by the engine (preview/scene-tile.ts) in the run A mask colour. */
export const SCENE_MASK_LEGEND: LegendItem[] = [{ label: 'water (scene)', colour: rgbHex(MASK_COLOUR) }];

/** Scene probabilities are drawn by the engine on PROBABILITY_RAMP; the mark is the mask's threshold. */
export const sceneProbabilityRamp = (threshold: number): LegendRamp => ({
  gradient: PROBABILITY_GRADIENT,
  ticks: PROBABILITY_RAMP.map((_, i) => String(i / (PROBABILITY_RAMP.length - 1))),
  mark: { at: threshold, label: `mask: water above ${threshold}` },
});

export const ERROR_LEGEND: LegendItem[] = [
  { label: 'true positive', colour: rgbHex(ERROR_COLOURS.truePositive) },
  { label: 'false positive', colour: rgbHex(ERROR_COLOURS.falsePositive) },
  { label: 'false negative', colour: rgbHex(ERROR_COLOURS.falseNegative) },
];

export const DISAGREEMENT_LEGEND: LegendItem[] = [
  { label: 'water only in A', colour: rgbHex(DISAGREEMENT_COLOURS.onlyA) },
  { label: 'water only in B', colour: rgbHex(DISAGREEMENT_COLOURS.onlyB) },
];
