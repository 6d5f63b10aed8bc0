/**
 * The segmentation metrics report (`evaluate` output) for the water class. Definitions: docs/METRICS.md.
 * A score is `null` where it is undefined (zero denominator), never a silent 0 or 1.
 */
import { z } from 'zod';

export const SCORE_KEYS = ['dice', 'iou', 'f1', 'precision', 'recall', 'accuracy'] as const;
export const COUNT_KEYS = ['tp', 'fp', 'fn', 'tn', 'ignored'] as const;
export type ScoreKey = (typeof SCORE_KEYS)[number];
export type CountKey = (typeof COUNT_KEYS)[number];

const score = z.number().min(0).max(1).nullable();
const count = z.number().int().nonnegative();

export const ScoresSchema = z.object({
  dice: score,
  iou: score,
  f1: score,
  precision: score,
  recall: score,
  accuracy: score,
});

/** Pixel counts over one chip or a set: tp/fp/fn/tn over valid pixels, `ignored` = not-valid pixels. */
export const ConfusionCountsSchema = z.object({
  tp: count,
  fp: count,
  fn: count,
  tn: count,
  ignored: count,
});

export const ScoresAndCountsSchema = z.object({ ...ScoresSchema.shape, ...ConfusionCountsSchema.shape });

export const ChipMetricsSchema = z.object({ id: z.string().min(1), ...ScoresAndCountsSchema.shape });

/** Mean of each score over the chips where it is defined; `chipsCounted[k]` says how many that was. */
export const PerChipMeanSchema = z.object({
  ...ScoresSchema.shape,
  chips: count,
  chipsCounted: z.object({
    dice: count,
    iou: count,
    f1: count,
    precision: count,
    recall: count,
    accuracy: count,
  }),
});

export const MetricsReportSchema = z.object({
  /** Global: scores from the counts summed over all chips. */
  metrics: ScoresAndCountsSchema,
  perChipMean: PerChipMeanSchema,
  perChip: z.array(ChipMetricsSchema),
});

export type Scores = z.infer<typeof ScoresSchema>;
export type ConfusionCounts = z.infer<typeof ConfusionCountsSchema>;
export type ScoresAndCounts = z.infer<typeof ScoresAndCountsSchema>;
export type ChipMetrics = z.infer<typeof ChipMetricsSchema>;
export type PerChipMean = z.infer<typeof PerChipMeanSchema>;
export type MetricsReport = z.infer<typeof MetricsReportSchema>;

const ratio = (numerator: number, denominator: number): number | null => (denominator === 0 ? null : numerator / denominator);

/** Scores for the water class from confusion counts; null wherever the denominator is zero. */
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
