/** The remote origins the renderer may reach: those of the online basemaps the user switched on, nothing else. */
import { ONLINE_BASEMAP_IDS, ONLINE_BASEMAP_ORIGINS, OnlineBasemapIdSchema, type OnlineBasemapId } from '../../api/basemaps.ts';

export class BasemapAllowList {
  private enabled = new Set<OnlineBasemapId>();

  /** Replaces the enabled layers; unknown ids are ignored (the request was validated before, this is belt and braces). */
  setEnabled(layers: readonly string[]): OnlineBasemapId[] {
    this.enabled = new Set(layers.filter((id): id is OnlineBasemapId => OnlineBasemapIdSchema.safeParse(id).success));
    return this.layers();
  }

  layers(): OnlineBasemapId[] {
    return ONLINE_BASEMAP_IDS.filter((id) => this.enabled.has(id));
  }

  origins(): string[] {
    return this.layers().flatMap((id) => ONLINE_BASEMAP_ORIGINS[id]);
  }
}
