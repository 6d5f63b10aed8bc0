/** How the map is read: the probability threshold, the radar stretch, the cursor's pixel, which panels are open. */
import type { LonLat } from '../../../src-main/api/preview.ts';

/** The fixed default ranges of the engine's S1 false colour (engine/preview/colourise.ts). */
export const DEFAULT_S1_STRETCH = { vv: [-25, 0], vh: [-32, -5] } as const;

export class ViewState {
  /** Probability above which a pixel is water on the map and in the chip metrics; null = each run's own. */
  threshold = $state<number | null>(null);
  s1Stretch = $state<{ vv: [number, number]; vh: [number, number] }>({ vv: [...DEFAULT_S1_STRETCH.vv], vh: [...DEFAULT_S1_STRETCH.vh] });
  /** Where the cursor is on the map (null when off the map). */
  cursor = $state<LonLat | null>(null);
  leftOpen = $state(true);
  rightOpen = $state(true);
  comparisonOpen = $state(false);
  /** Width of the left panel in px (dragged by its edge). */
  leftWidth = $state(360);

  reset(): void {
    this.threshold = null;
    this.s1Stretch = { vv: [...DEFAULT_S1_STRETCH.vv], vh: [...DEFAULT_S1_STRETCH.vh] };
    this.cursor = null;
  }
}
