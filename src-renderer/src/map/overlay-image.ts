/** Images for maplibre image sources: the engine's PNGs (base64) or ones the app drew (object URLs). */
import type { MapOverlay } from '../../../src-main/api/runs.ts';

/** The engine's PNG, or one the app drew (an object URL owned by whoever drew it). */
export type OverlayImage = { corners: MapOverlay['corners'] } & ({ pngBase64: string } | { url: string });

export function pngUrl(overlay: { pngBase64: string }): string {
  const bytes = Uint8Array.from(atob(overlay.pngBase64), (c) => c.charCodeAt(0));
  return URL.createObjectURL(new Blob([bytes], { type: 'image/png' }));
}
