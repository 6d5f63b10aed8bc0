/**
 * The map layers the app draws itself from the engine's numbers: each run's mask and error map at the chosen
 * threshold, their disagreement, and the radar image at the chosen dB stretch. Images are keyed by map layer id.
 */
import { ERROR_COLOURS, DISAGREEMENT_COLOURS, RUN_MASK_COLOURS, type RunChipPrediction } from '../../../src-main/api/runs.ts';
import type { ChipPreview } from '../../../src-main/api/preview.ts';
import { decodeMapGrid, disagreementRgba, imageUrl, runLayerRgba, s1Rgba, type Corners, type MapGridData } from '../map/pixel-data.ts';

/** A layer image ready for a maplibre image source. */
export interface MapImage {
  url: string;
  corners: Corners;
}

export interface RunReading {
  runId: string;
  prediction: RunChipPrediction;
  threshold: number;
  mask: boolean;
  error: boolean;
}

const decodedRuns = new WeakMap<RunChipPrediction, Promise<MapGridData>>();
const decodedS1 = new WeakMap<ChipPreview, Promise<MapGridData>>();

export const runData = (prediction: RunChipPrediction) => {
  let data = decodedRuns.get(prediction);
  if (!data) decodedRuns.set(prediction, (data = decodeMapGrid(prediction.pixels.mapData.pngBase64, prediction.pixels.mapData.corners)));
  return data;
};

export const s1Values = (preview: ChipPreview) => {
  let data = decodedS1.get(preview);
  if (!data && preview.valuesPngBase64) decodedS1.set(preview, (data = decodeMapGrid(preview.valuesPngBase64, preview.corners)));
  return data ?? null;
};

export class ReadingState {
  images = $state.raw<ReadonlyMap<string, MapImage>>(new Map());
  /** Decoded radar values of the selected chip (pixel readout, histogram). */
  s1 = $state.raw<MapGridData | null>(null);
  /** Decoded data of the mapped runs, in slot order (A, B). */
  runs = $state.raw<{ runId: string; threshold: number; data: MapGridData }[]>([]);
  private generation = 0;

  /** Redraws the app-drawn layers (a newer call wins; old object URLs are released once replaced). */
  async redraw(
    slots: RunReading[],
    disagreement: boolean,
    s1: { preview: ChipPreview; stretch: { vv: [number, number]; vh: [number, number] }; draw: boolean } | null,
  ): Promise<void> {
    const generation = ++this.generation;
    const next = new Map<string, MapImage>();
    const decoded = await Promise.all(slots.map((slot) => runData(slot.prediction)));
    const s1Data = s1 ? await s1Values(s1.preview) : null;
    if (generation !== this.generation) return;
    this.s1 = s1Data;
    this.runs = slots.map((slot, i) => ({ runId: slot.runId, threshold: slot.threshold, data: decoded[i] }));
    const names = ['a', 'b'] as const;
    for (const [i, slot] of slots.entries()) {
      const colours = {
        mask: RUN_MASK_COLOURS[names[i]],
        tp: ERROR_COLOURS.truePositive,
        fp: ERROR_COLOURS.falsePositive,
        fn: ERROR_COLOURS.falseNegative,
      };
      if (slot.mask)
        next.set(`run-${names[i]}-mask`, {
          url: await imageUrl(runLayerRgba(decoded[i], slot.threshold, 'mask', colours)),
          corners: decoded[i].corners,
        });
      if (slot.error && slot.prediction.error)
        next.set(`run-${names[i]}-error`, {
          url: await imageUrl(runLayerRgba(decoded[i], slot.threshold, 'error', colours)),
          corners: decoded[i].corners,
        });
    }
    if (disagreement && slots.length === 2 && decoded[0].width === decoded[1].width && decoded[0].height === decoded[1].height) {
      const image = disagreementRgba(decoded[0], decoded[1], [slots[0].threshold, slots[1].threshold], DISAGREEMENT_COLOURS);
      next.set('run-ab-disagreement', { url: await imageUrl(image), corners: decoded[0].corners });
    }
    if (s1Data && s1?.draw) next.set('chip-preview-s1', { url: await imageUrl(s1Rgba(s1Data, s1.stretch)), corners: s1Data.corners });
    if (generation !== this.generation) {
      for (const image of next.values()) URL.revokeObjectURL(image.url);
      return;
    }
    const old = this.images;
    this.images = next;
    setTimeout(() => old.forEach((image) => URL.revokeObjectURL(image.url)), 5000);
  }

  reset(): void {
    this.generation++;
    this.s1 = null;
    this.runs = [];
    this.images = new Map();
  }
}
