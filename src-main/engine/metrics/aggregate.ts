/** Global and per-chip-mean aggregates of the water-class metrics, as the `evaluate` report. */
import {
  SCORE_KEYS,
  type ChipMetrics,
  type ConfusionCounts,
  type MetricsReport,
  type PerChipMean,
  type Scores,
} from '../../api/metrics.ts';
import { addCounts, emptyCounts } from './confusion.ts';
import { scoresFromCounts } from './scores.ts';
import { MetricsInputError } from './errors.ts';

export interface ChipConfusion {
  id: string;
  counts: ConfusionCounts;
}

/** Mean of each score over the chips where it is not null; null (and 0 counted) when no chip has it. */
export function perChipMean(chipScores: readonly Scores[]): PerChipMean {
  const mean = {} as Scores;
  const chipsCounted = {} as PerChipMean['chipsCounted'];
  for (const key of SCORE_KEYS) {
    let sum = 0;
    let counted = 0;
    for (const s of chipScores) {
      const v = s[key];
      if (v !== null) {
        sum += v;
        counted++;
      }
    }
    mean[key] = counted === 0 ? null : sum / counted;
    chipsCounted[key] = counted;
  }
  return { ...mean, chips: chipScores.length, chipsCounted };
}

export function buildMetricsReport(chips: readonly ChipConfusion[]): MetricsReport {
  const seen = new Set<string>();
  let total = emptyCounts();
  const perChip: ChipMetrics[] = chips.map(({ id, counts }) => {
    if (seen.has(id)) throw new MetricsInputError(`chip id "${id}" appears twice in the evaluation`);
    seen.add(id);
    total = addCounts(total, counts);
    return { id, ...scoresFromCounts(counts), ...counts };
  });
  return {
    metrics: { ...scoresFromCounts(total), ...total },
    perChipMean: perChipMean(perChip),
    perChip,
  };
}
