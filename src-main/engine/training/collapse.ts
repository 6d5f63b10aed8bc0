/**
 * Collapse: a segmentation net that answers "water" (or "dry") everywhere scores a recall of 1 (or an
 * accuracy near the dry share) that looks good and means nothing. Judged on validation counts.
 */
import type { ConfusionCounts } from '../../api/metrics.ts';
import type { Collapse } from '../../api/run.ts';

/** Predicted-water share at or above which predictions count as all water (unless the labels are nearly all water too). */
export const ALL_WATER_SHARE = 0.99;
/** Predicted-water share at or below which predictions count as all dry (unless the labels hold almost no water). */
export const NO_WATER_SHARE = 0.001;

export function detectCollapse(counts: Pick<ConfusionCounts, 'tp' | 'fp' | 'fn' | 'tn'>): Collapse | null {
  const total = counts.tp + counts.fp + counts.fn + counts.tn;
  if (total === 0) return null;
  const predicted = (counts.tp + counts.fp) / total;
  const labelled = (counts.tp + counts.fn) / total;
  if (predicted >= ALL_WATER_SHARE && labelled < ALL_WATER_SHARE) return 'all-water';
  if (predicted <= NO_WATER_SHARE && labelled > 10 * NO_WATER_SHARE) return 'no-water';
  return null;
}

/** What a user is told about a collapsed model. */
export function collapseWarning(collapse: Collapse, where: string): string {
  return collapse === 'all-water'
    ? `${where}: the model predicts water almost everywhere (collapsed to all-water): its recall is meaningless`
    : `${where}: the model predicts almost no water (collapsed to no-water)`;
}

/**
 * Which of two validation results to keep as "best": a non-collapsed model always beats a collapsed one
 * (the floor), then the higher IoU wins. A first result (no best yet) is always kept.
 */
export function isBetter(
  candidate: { iou: number | null; collapse: Collapse | null },
  best: { iou: number | null; collapse: Collapse | null } | null,
): boolean {
  if (best === null) return true;
  if ((candidate.collapse === null) !== (best.collapse === null)) return candidate.collapse === null;
  if (candidate.iou === null) return false;
  return best.iou === null || candidate.iou > best.iou;
}
