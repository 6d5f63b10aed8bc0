/** The main maplibre map, for the few actions that need the map object itself (print). */
import type { Map as MaplibreMap } from 'maplibre-gl';

export const mapRegistry: { main: MaplibreMap | null } = { main: null };
