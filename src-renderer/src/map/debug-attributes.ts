/**
 * Mirrors what the map shows into data attributes of its container (bounds, zoom, visible chip layers,
 * quicklook corners), so end-to-end tests and bug reports can read the map state without globals.
 */
import type { ImageSource, Map as MaplibreMap } from 'maplibre-gl';

export function publishMapState(map: MaplibreMap, element: HTMLElement): void {
  const bounds = map.getBounds();
  element.dataset.bounds = [bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()].join(',');
  element.dataset.zoom = map.getZoom().toFixed(3);
  const layers = map.getStyle().layers ?? [];
  element.dataset.visibleLayers = layers
    .filter((l) => map.getLayoutProperty(l.id, 'visibility') !== 'none')
    .map((l) => l.id)
    .join(' ');
  const quicklooks: Record<string, unknown> = {};
  for (const layer of layers) {
    if (layer.type !== 'raster' || !(layer.id.startsWith('chip-preview-') || layer.id.startsWith('run-'))) continue;
    const source = map.getSource(layer.id) as ImageSource | undefined;
    if (source) quicklooks[layer.id] = source.coordinates;
  }
  element.dataset.quicklooks = JSON.stringify(quicklooks);
}
