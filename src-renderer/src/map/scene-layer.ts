/**
 * A predicted scene's mask (or probabilities) on the map as raster tiles served on demand: MapLibre asks
 * `floodlens-scene://<jobId>/<mask|probabilities>/z/x/y`,
 * the protocol handler asks the engine (`scene.tile`), which reads that tile from the COG's matching overview.
 */
import * as maplibregl from 'maplibre-gl';
import type { FloodlensClient } from '../../../src-main/api/contract.ts';

export const SCENE_PROTOCOL = 'floodlens-scene';
const SOURCE = 'scene-mask';
export const SCENE_LAYER = 'scene-mask';

let installedFor: FloodlensClient | null = null;

/** Registers the tile protocol (once per client). */
export function installSceneProtocol(client: FloodlensClient): void {
  if (installedFor === client) return;
  if (installedFor) maplibregl.removeProtocol(SCENE_PROTOCOL);
  installedFor = client;
  maplibregl.addProtocol(SCENE_PROTOCOL, async (params) => {
    const match = /^floodlens-scene:\/\/([^/]+)\/(mask|probabilities)\/(\d+)\/(\d+)\/(\d+)$/.exec(params.url);
    if (!match) throw new Error(`not a scene tile URL: ${params.url}`);
    const [, jobId, layer, z, x, y] = match;
    const tile = await client.request('scene.tile', {
      jobId,
      layer: layer as 'mask' | 'probabilities',
      z: Number(z),
      x: Number(x),
      y: Number(y),
    });
    const bytes = Uint8Array.from(atob(tile.pngBase64), (c) => c.charCodeAt(0));
    return { data: bytes.buffer };
  });
}

/** Shows job `jobId`'s mask or probabilities (replacing what was shown), or removes it with null. */
export function syncSceneLayer(
  map: maplibregl.Map,
  jobId: string | null,
  bbox: [number, number, number, number] | null,
  layer: 'mask' | 'probabilities' = 'mask',
): void {
  const source = map.getSource(SOURCE) as (maplibregl.RasterTileSource & { jobId?: string; layer?: string }) | undefined;
  if (source && source.jobId === jobId && source.layer === layer) return;
  const sameJob = source?.jobId === jobId;
  if (map.getLayer(SCENE_LAYER)) map.removeLayer(SCENE_LAYER);
  if (source) map.removeSource(SOURCE);
  if (!jobId) return;
  map.addSource(SOURCE, {
    type: 'raster',
    tiles: [`${SCENE_PROTOCOL}://${jobId}/${layer}/{z}/{x}/{y}`],
    tileSize: 256,
    ...(bbox ? { bounds: bbox } : {}),
    maxzoom: 18,
  });
  Object.assign(map.getSource(SOURCE) as maplibregl.RasterTileSource, { jobId, layer });
  map.addLayer({ id: SCENE_LAYER, type: 'raster', source: SOURCE, paint: { 'raster-resampling': 'nearest' } });
  if (bbox && !sameJob) map.fitBounds(bbox, { padding: 40, duration: 0 }); // switching layers keeps the view
}
