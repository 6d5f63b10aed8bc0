/**
 * The chip layers on a maplibre map: footprints coloured by label balance, a highlight for the selected
 * chip, centroids for small zooms, and the selected chip's quicklooks (image sources from `chip.preview`).
 */
import type { FeatureCollection } from 'geojson';
import type { GeoJSONSource, ImageSource, Map as MaplibreMap } from 'maplibre-gl';
import type { ChipInfo } from '../../../src-main/api/dataset.ts';
import { pngUrl, type OverlayImage } from './overlay-image.ts';
import { PREVIEW_LAYERS, type ChipFootprint, type PreviewLayer } from '../../../src-main/api/preview.ts';
import { FOOTPRINT_COLOURS } from './map-colours.ts';

export const FOOTPRINT_LAYERS = ['chip-footprint-fill', 'chip-footprint-line'] as const;
export const SELECTED_LAYER = 'chip-selected-line';
export const CENTROID_LAYER = 'chip-centroids';
export const previewLayerId = (layer: PreviewLayer) => `chip-preview-${layer}`;

/** No label → grey; else from sand (dry) to blue (all water). */
const balanceColour = [
  'case',
  ['<', ['get', 'water'], 0],
  FOOTPRINT_COLOURS.noLabel,
  ['interpolate', ['linear'], ['get', 'water'], 0, FOOTPRINT_COLOURS.dry, 1, FOOTPRINT_COLOURS.allWater],
] as const;

export function footprintCollection(chips: readonly ChipInfo[], footprints: ReadonlyMap<string, ChipFootprint>): FeatureCollection {
  const features: FeatureCollection['features'] = [];
  for (const chip of chips) {
    const footprint = footprints.get(chip.id);
    if (!footprint) continue;
    features.push({
      type: 'Feature',
      id: features.length,
      properties: { id: chip.id, water: chip.label?.waterFraction ?? -1, problems: chip.errors.length },
      geometry: { type: 'Polygon', coordinates: [footprint.ring] },
    });
  }
  return { type: 'FeatureCollection', features };
}

function centroidCollection(footprints: FeatureCollection): FeatureCollection {
  return {
    type: 'FeatureCollection',
    features: footprints.features.map((f) => {
      const ring = (f.geometry as GeoJSON.Polygon).coordinates[0];
      const lon = ring.reduce((s, p) => s + p[0], 0) / ring.length;
      const lat = ring.reduce((s, p) => s + p[1], 0) / ring.length;
      return { type: 'Feature', id: f.id, properties: f.properties, geometry: { type: 'Point', coordinates: [lon, lat] } };
    }),
  };
}

const EMPTY: FeatureCollection = { type: 'FeatureCollection', features: [] };

/** Adds the (empty) chip sources and layers above the basemap. Call once the style has loaded. */
export function installChipLayers(map: MaplibreMap): void {
  map.addSource('chip-footprints', { type: 'geojson', data: EMPTY });
  map.addSource('chip-centroids', { type: 'geojson', data: EMPTY });
  map.addLayer({
    id: 'chip-footprint-fill',
    type: 'fill',
    source: 'chip-footprints',
    paint: { 'fill-color': balanceColour as never, 'fill-opacity': 0.35 },
  });
  map.addLayer({
    id: 'chip-footprint-line',
    type: 'line',
    source: 'chip-footprints',
    paint: { 'line-color': FOOTPRINT_COLOURS.outline, 'line-width': 1.2 },
  });
  map.addLayer({
    id: SELECTED_LAYER,
    type: 'line',
    source: 'chip-footprints',
    filter: ['==', ['get', 'id'], ''],
    paint: { 'line-color': FOOTPRINT_COLOURS.selected, 'line-width': 3 },
  });
  map.addLayer({
    id: CENTROID_LAYER,
    type: 'circle',
    source: 'chip-centroids',
    maxzoom: 9,
    paint: {
      'circle-radius': 6,
      'circle-color': balanceColour as never,
      'circle-stroke-color': FOOTPRINT_COLOURS.outline,
      'circle-stroke-width': 1.5,
    },
  });
}

export function setFootprints(map: MaplibreMap, collection: FeatureCollection): void {
  (map.getSource('chip-footprints') as GeoJSONSource).setData(collection);
  (map.getSource('chip-centroids') as GeoJSONSource).setData(centroidCollection(collection));
}

export function setSelectedChip(map: MaplibreMap, id: string | null): void {
  map.setFilter(SELECTED_LAYER, ['==', ['get', 'id'], id ?? '']);
}

/** Footprint tint; none over the selected chip, whose quicklooks must show their true colours (it stays clickable). */
export function setFootprintTint(map: MaplibreMap, selectedId: string | null, visible: boolean, opacity: number): void {
  map.setLayoutProperty('chip-footprint-fill', 'visibility', visible ? 'visible' : 'none');
  map.setPaintProperty('chip-footprint-fill', 'fill-opacity', ['case', ['==', ['get', 'id'], selectedId ?? ''], 0, opacity]);
}

export function setLayerAppearance(map: MaplibreMap, layerId: string, visible: boolean, opacity: number): void {
  if (!map.getLayer(layerId)) return;
  map.setLayoutProperty(layerId, 'visibility', visible ? 'visible' : 'none');
  const type = map.getLayer(layerId)!.type;
  if (type === 'raster') map.setPaintProperty(layerId, 'raster-opacity', opacity);
  else if (type === 'fill') map.setPaintProperty(layerId, 'fill-opacity', opacity);
  else if (type === 'line') map.setPaintProperty(layerId, 'line-opacity', opacity);
}

const blobUrls = new WeakMap<MaplibreMap, Map<PreviewLayer, string>>();

/**
 * Shows `preview` as the map's quicklook for its layer (or removes that quicklook when null).
 * Quicklooks sit under the footprints, in the order s1, s2, label.
 */
export function showPreview(map: MaplibreMap, layer: PreviewLayer, preview: OverlayImage | null): void {
  const id = previewLayerId(layer);
  const urls = blobUrls.get(map) ?? new Map<PreviewLayer, string>();
  blobUrls.set(map, urls);
  const old = urls.get(layer);
  if (!preview) {
    if (map.getLayer(id)) map.removeLayer(id);
    if (map.getSource(id)) map.removeSource(id);
  } else {
    const url = 'url' in preview ? preview.url : pngUrl(preview);
    if (!('url' in preview)) urls.set(layer, url);
    else urls.delete(layer);
    const source = map.getSource(id) as ImageSource | undefined;
    if (source) source.updateImage({ url, coordinates: preview.corners });
    else {
      map.addSource(id, { type: 'image', url, coordinates: preview.corners });
      const above = PREVIEW_LAYERS.slice(PREVIEW_LAYERS.indexOf(layer) + 1)
        .map(previewLayerId)
        .find((l) => map.getLayer(l));
      map.addLayer(
        { id, type: 'raster', source: id, paint: { 'raster-resampling': 'nearest', 'raster-fade-duration': 0 } },
        above ?? FOOTPRINT_LAYERS[0],
      );
    }
  }
  if (old) setTimeout(() => URL.revokeObjectURL(old), 5000);
  if (!preview) urls.delete(layer);
}
