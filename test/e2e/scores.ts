/** The scores the comparison table shows (global and per-chip mean), in its order. */
export const COMPARED_SCORES = ['dice', 'iou', 'f1', 'precision', 'recall'] as const;
