/** Scores for the water class from confusion counts; null wherever the denominator is zero. */
import type { ConfusionCounts, Scores } from '../../api/metrics.ts';

const ratio = (numerator: number, denominator: number): number | null => (denominator === 0 ? null : numerator / denominator);

export function scoresFromCounts({ tp, fp, fn, tn }: ConfusionCounts): Scores {
  const dice = ratio(2 * tp, 2 * tp + fp + fn);
  return {
    dice,
    iou: ratio(tp, tp + fp + fn),
    // for one binary class F1 = 2PR/(P+R) = 2tp/(2tp+fp+fn) = Dice; from counts it is defined even when P or R is not
    f1: dice,
    precision: ratio(tp, tp + fp),
    recall: ratio(tp, tp + fn),
    accuracy: ratio(tp + tn, tp + fp + fn + tn),
  };
}
