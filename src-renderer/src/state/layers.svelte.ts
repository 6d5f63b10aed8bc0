/** Layer panel settings: what is drawn and how opaque, for the basemaps, footprints and chip quicklooks. */
import type { PreviewLayer } from '../../../src-main/api/preview.ts';
import type { OnlineBasemap } from '../map/basemap-style.ts';

export interface LayerSetting {
  visible: boolean;
  opacity: number;
}

export class LayerState {
  online = $state<Record<OnlineBasemap, LayerSetting>>({
    osm: { visible: false, opacity: 1 },
    esri: { visible: false, opacity: 1 },
  });
  /** Why an online basemap shows nothing (its tiles failed to load), by basemap. */
  onlineErrors = $state<Partial<Record<OnlineBasemap, string>>>({});
  footprints = $state<LayerSetting>({ visible: true, opacity: 0.35 });
  chip = $state<Record<PreviewLayer, LayerSetting>>({
    s1: { visible: true, opacity: 1 },
    s2: { visible: true, opacity: 1 },
    label: { visible: false, opacity: 0.75 },
  });
}
