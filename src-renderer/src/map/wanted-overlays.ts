/** Which run overlays the map should show: runs A and B on the selected chip, plus their disagreement. */
import { RUN_OVERLAY_LAYERS } from '../../../src-main/api/runs.ts';
import type { RunLayerState } from '../state/run-layers.svelte.ts';
import { runOverlayId, type WantedOverlay } from './run-overlays.ts';

export const SLOTS = ['a', 'b'] as const;
const LAYER_RANK = { probability: 10, mask: 20, error: 30 } as const;

export function wantedOverlays(runLayers: RunLayerState, mappedRunIds: readonly string[], chipId: string | null): WantedOverlay[] {
  if (!chipId) return [];
  const wanted: WantedOverlay[] = [];
  mappedRunIds.slice(0, SLOTS.length).forEach((runId, index) => {
    const settings = runLayers.settings[runId];
    if (!settings) return;
    const entry = runLayers.prediction(runId, chipId);
    const prediction = entry?.status === 'ready' ? entry.value : null;
    for (const layer of RUN_OVERLAY_LAYERS) {
      wanted.push({
        id: runOverlayId(SLOTS[index], layer),
        rank: LAYER_RANK[layer] + index,
        overlay: prediction ? prediction[layer] : null,
        visible: settings[layer].visible,
        opacity: settings[layer].opacity,
      });
    }
  });
  if (mappedRunIds.length >= 2) {
    const entry = runLayers.disagreementOf(mappedRunIds[0], mappedRunIds[1], chipId);
    wanted.push({
      id: runOverlayId('ab', 'disagreement'),
      rank: 40,
      overlay: entry?.status === 'ready' ? entry.value.overlay : null,
      visible: runLayers.disagreement.visible,
      opacity: runLayers.disagreement.opacity,
    });
  }
  return wanted;
}
