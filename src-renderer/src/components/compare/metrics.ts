/** The five scores compared side by side, and which run is best on each. */
export const COMPARED_METRICS = ['dice', 'iou', 'f1', 'precision', 'recall'] as const;
export type ComparedMetric = (typeof COMPARED_METRICS)[number];
export const METRIC_TITLES: Record<ComparedMetric, string> = { dice: 'Dice', iou: 'IoU', f1: 'F1', precision: 'Precision', recall: 'Recall' };

/** Indexes of the highest defined values (ties all marked); none when fewer than two runs have a value. */
export function bestIndexes(values: readonly (number | null)[]): Set<number> {
  const defined = values.filter((v): v is number => v !== null);
  if (defined.length < 2) return new Set();
  const best = Math.max(...defined);
  return new Set(values.flatMap((v, i) => (v === best ? [i] : [])));
}

/** Okabe–Ito colours for runs A, B, C… */
export const RUN_COLOURS = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#f0e442', '#000000'];
