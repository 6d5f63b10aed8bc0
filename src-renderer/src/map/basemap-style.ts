/**
 * The map style: an offline Natural Earth basemap (land, coastlines, country boundaries from the
 * world-atlas package, 1:50m) that works with no network, plus online raster layers that stay off
 * until the user switches them on. No symbol layers, so no glyphs or sprites are needed.
 */
import type { StyleSpecification } from 'maplibre-gl';
import { feature, mesh } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import countries50m from 'world-atlas/countries-50m.json';
import { unwrapFeatures } from './antimeridian.ts';

export const BASEMAP_COLOURS = {
  // Ocean a muted grey-blue and land a warm off-white: both far from the saturated water-mask blue.
  ocean: '#c9d2d9',
  land: '#f3f0e8',
  coastline: '#8b9aa6',
  boundary: '#a59a8c',
} as const;

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

function naturalEarth() {
  const topology = countries50m as unknown as Topology<{ land: GeometryCollection; countries: GeometryCollection }>;
  return {
    land: unwrapFeatures(feature(topology, topology.objects.land)),
    boundaries: unwrapFeatures({ type: 'Feature' as const, properties: {}, geometry: mesh(topology, topology.objects.countries, (a, b) => a !== b) }),
  };
}

export function basemapStyle(): StyleSpecification {
  const { land, boundaries } = naturalEarth();
  const online = Object.fromEntries(
    Object.entries(ONLINE_BASEMAPS).map(([id, b]) => [id, { type: 'raster' as const, tiles: [...b.tiles], tileSize: 256, maxzoom: b.maxzoom, attribution: b.attribution }]),
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
      { id: 'land', type: 'fill', source: 'land', paint: { 'fill-color': BASEMAP_COLOURS.land } },
      { id: 'coastline', type: 'line', source: 'land', paint: { 'line-color': BASEMAP_COLOURS.coastline, 'line-width': 0.6 } },
      { id: 'boundaries', type: 'line', source: 'boundaries', paint: { 'line-color': BASEMAP_COLOURS.boundary, 'line-width': 0.8, 'line-dasharray': [3, 2] } },
      ...Object.keys(ONLINE_BASEMAPS).map((id) => ({ id: `basemap-${id}`, type: 'raster' as const, source: id, layout: { visibility: 'none' as const } })),
    ],
  };
}
