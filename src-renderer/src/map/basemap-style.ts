/**
 * The map style: an offline Natural Earth basemap (land, coastlines, country boundaries from the
 * world-atlas package, 1:50m) that works with no network, plus online raster layers that stay off
 * until the user switches them on. Zoomed in on a chip the 1:10m scale of the same package takes over
 * (addDetailedBasemap: a separate chunk of ~3.5 MB loaded once, after the map is up). No symbol layers,
 * so no glyphs or sprites are needed.
 */
import type { Map as MapLibreMap, StyleSpecification } from 'maplibre-gl';
import { feature, mesh } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import countries50m from 'world-atlas/countries-50m.json';
import { unwrapFeatures } from './antimeridian.ts';
import { BASEMAP_COLOURS } from './map-colours.ts';

export const ONLINE_BASEMAPS = {
  osm: {
    title: 'OpenStreetMap',
    tiles: ['https://tile.openstreetmap.org/{z}/{x}/{y}.png'],
    attribution: '© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
    maxzoom: 19,
  },
  esri: {
    title: 'Esri World Imagery',
    tiles: ['https://server.arcgisonline.com/ArcGIS/rest/services/World_Imagery/MapServer/tile/{z}/{y}/{x}'],
    attribution: 'Imagery © Esri, Maxar, Earthstar Geographics, and the GIS User Community',
    maxzoom: 19,
  },
} as const;
export type OnlineBasemap = keyof typeof ONLINE_BASEMAPS;

/** The zoom from which the 1:10m outlines replace the 1:50m ones (a country fills the window). */
export const DETAILED_FROM_ZOOM = 5;

function naturalEarth(topojson: unknown) {
  const topology = topojson as Topology<{ land: GeometryCollection; countries: GeometryCollection }>;
  return {
    land: unwrapFeatures(feature(topology, topology.objects.land)),
    boundaries: unwrapFeatures({
      type: 'Feature' as const,
      properties: {},
      geometry: mesh(topology, topology.objects.countries, (a, b) => a !== b),
    }),
  };
}

export function basemapStyle(): StyleSpecification {
  const { land, boundaries } = naturalEarth(countries50m);
  const online = Object.fromEntries(
    Object.entries(ONLINE_BASEMAPS).map(([id, b]) => [
      id,
      { type: 'raster' as const, tiles: [...b.tiles], tileSize: 256, maxzoom: b.maxzoom, attribution: b.attribution },
    ]),
  );
  return {
    version: 8,
    sources: {
      land: { type: 'geojson', data: land, attribution: 'Natural Earth (public domain) via world-atlas' },
      boundaries: { type: 'geojson', data: boundaries },
      ...online,
    },
    layers: [
      { id: 'ocean', type: 'background', paint: { 'background-color': BASEMAP_COLOURS.ocean } },
      ...outlineLayers('', { maxzoom: DETAILED_FROM_ZOOM }),
      ...Object.keys(ONLINE_BASEMAPS).map((id) => ({
        id: `basemap-${id}`,
        type: 'raster' as const,
        source: id,
        layout: { visibility: 'none' as const },
      })),
    ],
  };
}

type OutlineLayer = StyleSpecification['layers'][number];

/** Land, coastline and boundary layers over the `land${suffix}` and `boundaries${suffix}` sources. */
function outlineLayers(suffix: string, zooms: { minzoom?: number; maxzoom?: number }): OutlineLayer[] {
  return [
    { id: `land${suffix}`, type: 'fill', source: `land${suffix}`, ...zooms, paint: { 'fill-color': BASEMAP_COLOURS.land } },
    {
      id: `coastline${suffix}`,
      type: 'line',
      source: `land${suffix}`,
      ...zooms,
      paint: { 'line-color': BASEMAP_COLOURS.coastline, 'line-width': 0.6 },
    },
    {
      id: `boundaries${suffix}`,
      type: 'line',
      source: `boundaries${suffix}`,
      ...zooms,
      paint: { 'line-color': BASEMAP_COLOURS.boundary, 'line-width': 0.8, 'line-dasharray': [3, 2] },
    },
  ];
}

/**
 * Adds the 1:10m Natural Earth outlines (world-atlas countries-10m, bundled: nothing is downloaded) under the
 * online layers, shown from DETAILED_FROM_ZOOM on. Call once the style has loaded; a map removed meanwhile is left alone.
 */
export async function addDetailedBasemap(map: MapLibreMap): Promise<void> {
  // As raw text: bundled as one string (3.6 MB), where a JSON import becomes a 6 MB pretty-printed literal.
  const { default: countries10m } = await import('world-atlas/countries-10m.json?raw');
  if (!map.getStyle() || map.getSource('land-10m')) return;
  const { land, boundaries } = naturalEarth(JSON.parse(countries10m));
  map.addSource('land-10m', { type: 'geojson', data: land, attribution: 'Natural Earth (public domain) via world-atlas' });
  map.addSource('boundaries-10m', { type: 'geojson', data: boundaries });
  const below = `basemap-${Object.keys(ONLINE_BASEMAPS)[0]}`;
  for (const layer of outlineLayers('-10m', { minzoom: DETAILED_FROM_ZOOM })) map.addLayer(layer, below);
}
