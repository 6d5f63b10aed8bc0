export {
  confusionFromMask,
  confusionFromProbabilities,
  thresholdProbabilities,
  emptyCounts,
  addCounts,
  DEFAULT_THRESHOLD,
} from './confusion.ts';
export type { LabelOptions, MaskOptions, ProbabilityOptions, ConfusionCounts } from './confusion.ts';
export { scoresFromCounts } from './scores.ts';
export { buildMetricsReport, perChipMean, type ChipConfusion } from './aggregate.ts';
export { MetricsInputError } from './errors.ts';
