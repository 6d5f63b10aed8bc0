/** Which run overlays the map should show: runs A and B on the selected chip, plus their disagreement. */
import { RUN_OVERLAY_LAYERS } from '../../../src-main/api/runs.ts';
import type { MapImage } from '../state/reading.svelte.ts';
import type { RunLayerState } from '../state/run-layers.svelte.ts';
import { runOverlayId, type WantedOverlay } from './run-overlays.ts';

export const SLOTS = ['a', 'b'] as const;
const LAYER_RANK = { probability: 10, mask: 20, error: 30 } as const;

/**
 * Mask, error map and disagreement come from `drawn` (the app draws them at the chosen threshold); the
 * probability ramp is the engine's image.
 */
export function wantedOverlays(
  runLayers: RunLayerState,
  mappedRunIds: readonly string[],
  chipId: string | null,
  drawn: ReadonlyMap<string, MapImage>,
  /** Only this slot's layers (side-by-side maps), no disagreement. */
  onlySlot: number | null = null,
): WantedOverlay[] {
  if (!chipId) return [];
  const wanted: WantedOverlay[] = [];
  mappedRunIds.slice(0, SLOTS.length).forEach((runId, index) => {
    const settings = runLayers.settings[runId];
    if (!settings || (onlySlot !== null && index !== onlySlot)) return;
    const entry = runLayers.prediction(runId, chipId);
    const prediction = entry?.status === 'ready' ? entry.value : null;
    for (const layer of RUN_OVERLAY_LAYERS) {
      const id = runOverlayId(SLOTS[index], layer);
      const image = layer === 'probability' ? (prediction?.probability ?? null) : prediction ? (drawn.get(id) ?? null) : null;
      wanted.push({
        id,
        rank: LAYER_RANK[layer] + index,
        overlay: image,
        visible: settings[layer].visible,
        opacity: settings[layer].opacity,
      });
    }
  });
  if (mappedRunIds.length >= 2 && onlySlot === null) {
    const id = runOverlayId('ab', 'disagreement');
    wanted.push({
      id,
      rank: 40,
      overlay: drawn.get(id) ?? null,
      visible: runLayers.disagreement.visible,
      opacity: runLayers.disagreement.opacity,
    });
  }
  return wanted;
}
