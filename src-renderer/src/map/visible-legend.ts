/** The legend of what the map shows right now: one entry per visible layer, in the map's order (top first). */
import { previewLayersFor } from '../../../src-main/api/preview.ts';
import type { AppModel } from '../app-model.svelte.ts';
import { formatKm2 } from '../format.ts';
import {
  DISAGREEMENT_LEGEND,
  SCENE_MASK_LEGEND,
  ERROR_LEGEND,
  FOOTPRINT_LEGEND,
  LABEL_LEGEND,
  maskLegend,
  sceneProbabilityRamp,
  type LegendItem,
  type LegendRamp,
} from './legend.ts';
import { S1_CHANNEL_COLOURS } from './map-colours.ts';

export interface LegendEntry {
  id: string;
  title: string;
  items: LegendItem[];
  /** Continuous layers: a colour bar besides (or instead of) the swatches. */
  ramp?: LegendRamp;
}

export function visibleLegend(app: AppModel): LegendEntry[] {
  const { dataset, layers, runs, runLayers, view, previews, scenes } = app;
  const entries: LegendEntry[] = [];
  const scene = scenes.shown;
  if (scene?.summary)
    entries.push(
      scenes.shownLayer === 'probabilities'
        ? {
            id: 'scene-mask',
            title: `Scene water probability · ${formatKm2(scene.summary.waterAreaKm2)} flooded (mask)`,
            items: [],
            ramp: sceneProbabilityRamp(scene.summary.run.threshold),
          }
        : { id: 'scene-mask', title: `Scene mask · ${formatKm2(scene.summary.waterAreaKm2)} flooded`, items: SCENE_MASK_LEGEND },
    );
  const chip = dataset.selected;
  if (chip && runs.mappedIds.length === 2 && runLayers.disagreement.visible)
    entries.push({ id: 'disagreement', title: 'A ≠ B', items: DISAGREEMENT_LEGEND });
  if (chip) {
    runs.mappedIds.forEach((runId, index) => {
      const settings = runLayers.settings[runId];
      const entry = runLayers.prediction(runId, chip.id);
      if (!settings || entry?.status !== 'ready') return;
      const slot = index === 0 ? 'a' : 'b';
      const threshold = (view.threshold ?? entry.value.threshold).toFixed(2);
      if (settings.error.visible && entry.value.error)
        entries.push({ id: `${slot}-error`, title: `Run ${slot.toUpperCase()} errors (p > ${threshold})`, items: ERROR_LEGEND });
      if (settings.mask.visible)
        entries.push({ id: `${slot}-mask`, title: `Run ${slot.toUpperCase()} mask (p > ${threshold})`, items: maskLegend(slot) });
      if (settings.probability.visible)
        entries.push({ id: `${slot}-probability`, title: `Run ${slot.toUpperCase()} probability`, items: entry.value.probability.legend });
    });
    const available = previewLayersFor(chip);
    if (available.includes('label') && layers.chip.label.visible) entries.push({ id: 'label', title: 'Label', items: LABEL_LEGEND });
    const s2 = previews.get(chip.id, 's2');
    if (available.includes('s2') && layers.chip.s2.visible && s2?.status === 'ready')
      entries.push({ id: 's2', title: 'Sentinel-2', items: s2.value.legend });
    if (available.includes('s1') && layers.chip.s1.visible) {
      const { vv, vh } = view.s1Stretch;
      entries.push({
        id: 's1',
        title: 'Sentinel-1',
        items: [
          { label: `red VV ${vv[0]}…${vv[1]} dB`, colour: S1_CHANNEL_COLOURS.vv },
          { label: `green VH ${vh[0]}…${vh[1]} dB`, colour: S1_CHANNEL_COLOURS.vh },
          { label: 'blue VV−VH 0…15 dB', colour: S1_CHANNEL_COLOURS.ratio },
        ],
      });
    }
  }
  if (layers.footprints.visible && dataset.chips.length > 0)
    entries.push({ id: 'footprints', title: 'Chip footprints (label water %)', items: FOOTPRINT_LEGEND });
  return entries;
}
