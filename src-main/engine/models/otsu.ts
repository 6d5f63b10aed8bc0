/**
 * Otsu's threshold (1979) as scikit-image's `threshold_otsu` computes it: a 256-bin histogram over the
 * values' own range, bin centres, and the split that maximises the between-class variance. Water is
 * dark in SAR backscatter, so the water class is the lower one: `value <= threshold`.
 * Pure: no tensors, no I/O — usable per chip or per scene window.
 */

export const OTSU_BINS = 256;

/** [min, max] of the finite values of `values` (where `include`, when given, is non-zero), widening `range`; null when none. */
export function finiteRange(
  values: ArrayLike<number>,
  include?: ArrayLike<number>,
  range: [number, number] | null = null,
): [number, number] | null {
  let min = range?.[0] ?? Infinity;
  let max = range?.[1] ?? -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if ((include && !include[i]) || !Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return min > max ? null : [min, max];
}

/**
 * A histogram over a known value range, filled in any number of passes (a scene is streamed window
 * by window): the range first, then the counts. Bin edges as numpy's linspace, bin index as numpy's histogram.
 */
export class OtsuHistogram {
  readonly counts: Float64Array;
  readonly edges: Float64Array;
  private readonly scale: number;

  constructor(
    readonly range: [number, number],
    readonly bins = OTSU_BINS,
  ) {
    const [min, max] = range;
    const step = (max - min) / bins;
    this.edges = Float64Array.from({ length: bins + 1 }, (_, k) => (k === bins ? max : min + k * step));
    this.counts = new Float64Array(bins);
    this.scale = bins / (max - min);
  }

  add(values: ArrayLike<number>, include?: ArrayLike<number>): void {
    const { edges, counts, bins, scale } = this;
    const min = this.range[0];
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if ((include && !include[i]) || !Number.isFinite(v)) continue;
      let k = Math.min(Math.floor((v - min) * scale), bins - 1);
      if (v < edges[k]) k--;
      else if (k < bins - 1 && v >= edges[k + 1]) k++;
      counts[k]++;
    }
  }

  /** The bin centre that maximises the between-class variance. */
  threshold(): number {
    const [min, max] = this.range;
    if (min === max) return min;
    const { edges, counts, bins } = this;
    const centres = Float64Array.from({ length: bins }, (_, k) => (edges[k] + edges[k + 1]) / 2);
    // Class 1 = bins 0..k, class 2 = bins k+1..; maximise w1·w2·(μ1 − μ2)².
    const suffixCount = new Float64Array(bins + 1);
    const suffixSum = new Float64Array(bins + 1);
    for (let k = bins - 1; k >= 0; k--) {
      suffixCount[k] = suffixCount[k + 1] + counts[k];
      suffixSum[k] = suffixSum[k + 1] + counts[k] * centres[k];
    }
    let weight1 = 0;
    let sum1 = 0;
    let best = -1;
    let bestIndex = 0;
    for (let k = 0; k < bins - 1; k++) {
      weight1 += counts[k];
      sum1 += counts[k] * centres[k];
      const weight2 = suffixCount[k + 1];
      // numpy gives NaN for an empty class and argmax skips nothing: an empty class never wins here either.
      if (weight1 === 0 || weight2 === 0) continue;
      const between = weight1 * weight2 * (sum1 / weight1 - suffixSum[k + 1] / weight2) ** 2;
      if (between > best) {
        best = between;
        bestIndex = k;
      }
    }
    return centres[bestIndex];
  }
}

/** Threshold over the finite values of `values` (where `include`, when given, is non-zero); null when none. */
export function otsuThreshold(values: ArrayLike<number>, include?: ArrayLike<number>, bins = OTSU_BINS): number | null {
  const range = finiteRange(values, include);
  if (!range) return null;
  if (range[0] === range[1]) return range[0];
  const histogram = new OtsuHistogram(range, bins);
  histogram.add(values, include);
  return histogram.threshold();
}
