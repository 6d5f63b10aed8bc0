/**
 * Run prediction layers (mask, probability, error map, disagreement) as maplibre image sources, drawn above
 * the chip quicklooks and under the footprint outlines, in a fixed order whatever order they arrive in.
 */
import type { ImageSource, Map as MaplibreMap } from 'maplibre-gl';
import { FOOTPRINT_LAYERS } from './chip-layers.ts';
import { pngUrl, type OverlayImage } from './overlay-image.ts';

export interface WantedOverlay {
  id: string;
  /** Higher ranks draw above lower ones. */
  rank: number;
  overlay: OverlayImage | null;
  visible: boolean;
  opacity: number;
}

interface ShownOverlay {
  overlay: OverlayImage;
  rank: number;
  url: string;
  /** The URL was made here (and is released here). */
  owned: boolean;
}

const shownByMap = new WeakMap<MaplibreMap, Map<string, ShownOverlay>>();

export const RUN_LAYER_PREFIX = 'run-';
export const runOverlayId = (slot: string, layer: string) => `${RUN_LAYER_PREFIX}${slot}-${layer}`;

function remove(map: MaplibreMap, id: string, shown: Map<string, ShownOverlay>): void {
  if (map.getLayer(id)) map.removeLayer(id);
  if (map.getSource(id)) map.removeSource(id);
  const old = shown.get(id);
  if (old?.owned) setTimeout(() => URL.revokeObjectURL(old.url), 5000);
  shown.delete(id);
}

/** Makes the map show exactly `wanted` (ready overlays; others removed), with their visibility and opacity. */
export function syncRunOverlays(map: MaplibreMap, wanted: readonly WantedOverlay[]): void {
  const shown = shownByMap.get(map) ?? new Map<string, ShownOverlay>();
  shownByMap.set(map, shown);
  const ready = new Map(wanted.filter((w) => w.overlay !== null).map((w) => [w.id, w]));
  for (const id of [...shown.keys()]) if (!ready.has(id)) remove(map, id, shown);
  for (const want of [...ready.values()].sort((a, b) => a.rank - b.rank)) {
    const current = shown.get(want.id);
    if (current?.overlay !== want.overlay) {
      const overlay = want.overlay!;
      const owned = !('url' in overlay);
      const url = 'url' in overlay ? overlay.url : pngUrl(overlay);
      const source = map.getSource(want.id) as ImageSource | undefined;
      if (source) {
        source.updateImage({ url, coordinates: overlay.corners });
        if (current?.owned) setTimeout(() => URL.revokeObjectURL(current.url), 5000);
      } else {
        const above = [...shown.entries()].filter(([, s]) => s.rank > want.rank).sort((a, b) => a[1].rank - b[1].rank)[0]?.[0];
        map.addSource(want.id, { type: 'image', url, coordinates: overlay.corners });
        map.addLayer(
          { id: want.id, type: 'raster', source: want.id, paint: { 'raster-resampling': 'nearest', 'raster-fade-duration': 0 } },
          above ?? (map.getLayer(FOOTPRINT_LAYERS[0]) ? FOOTPRINT_LAYERS[0] : undefined),
        );
      }
      shown.set(want.id, { overlay, rank: want.rank, url, owned });
    }
    map.setLayoutProperty(want.id, 'visibility', want.visible ? 'visible' : 'none');
    map.setPaintProperty(want.id, 'raster-opacity', want.opacity);
  }
}
