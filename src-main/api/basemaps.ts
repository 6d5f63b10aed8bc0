/**
 * The online basemap layers the user may switch on, by id. The renderer names a layer id, never a URL:
 * the desktop app turns the ids into the only remote origins its renderer may reach.
 */
import { z } from 'zod';

export const ONLINE_BASEMAP_IDS = ['osm', 'esri'] as const;
export const OnlineBasemapIdSchema = z.enum(ONLINE_BASEMAP_IDS);
export type OnlineBasemapId = z.infer<typeof OnlineBasemapIdSchema>;

/** Every origin a layer's tiles come from (the renderer's tile URLs must stay within these). */
export const ONLINE_BASEMAP_ORIGINS: Record<OnlineBasemapId, readonly string[]> = {
  osm: ['https://tile.openstreetmap.org'],
  esri: ['https://server.arcgisonline.com'],
};

export const SetBasemapsRequestSchema = z.object({ layers: z.array(OnlineBasemapIdSchema).max(ONLINE_BASEMAP_IDS.length) });

export const BasemapsStateSchema = z.object({
  enabled: z.array(OnlineBasemapIdSchema),
  /** True when this host restricts the renderer's network to the enabled layers (the desktop app). */
  enforced: z.boolean(),
});
export type BasemapsState = z.infer<typeof BasemapsStateSchema>;
