// Water-class metrics: hand-computed cases, the null rules, and a property check against a
// deliberately naive reference on random masks.
import { describe, expect, it } from 'vitest';
import {
  addCounts,
  buildMetricsReport,
  confusionFromMask,
  confusionFromProbabilities,
  emptyCounts,
  MetricsInputError,
  scoresFromCounts,
  thresholdProbabilities,
  type ConfusionCounts,
} from '../../src-main/engine/metrics/index.ts';
import { MetricsReportSchema, SCORE_KEYS } from '../../src-main/api/metrics.ts';

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('confusion counts', () => {
  // label -1 = not valid (Sen1Floods11 convention)
  const label = Int16Array.from([1, 1, 0, 0, 1, 0, -1, -1]);
  const predicted = Uint8Array.from([1, 0, 1, 0, 1, 0, 1, 0]);

  it('counts a hand-made case', () => {
    expect(confusionFromMask(predicted, label, { labelNodata: -1 })).toEqual({ tp: 2, fp: 1, fn: 1, tn: 2, ignored: 2 });
  });

  it('a valid mask ignores pixels whatever their label', () => {
    const valid = Uint8Array.from([1, 0, 1, 1, 1, 1, 0, 0]);
    expect(confusionFromMask(predicted, label, { labelNodata: -1, valid })).toEqual({ tp: 2, fp: 1, fn: 0, tn: 2, ignored: 3 });
  });

  it('NaN labels are ignored; 255 in the prediction (no input data) counts as not water', () => {
    const floatLabel = Float32Array.from([1, NaN, 0, 1]);
    expect(confusionFromMask(Uint8Array.from([255, 1, 255, 1]), floatLabel)).toEqual({ tp: 1, fp: 0, fn: 1, tn: 1, ignored: 1 });
    expect(confusionFromMask(Uint8Array.from([9, 0, 9, 1]), floatLabel, { predictedNodata: 9 })).toEqual({
      tp: 1,
      fp: 0,
      fn: 1,
      tn: 1,
      ignored: 1,
    });
  });

  it('probabilities: water strictly above the threshold, NaN is not water', () => {
    const probs = Float32Array.from([0.5, 0.50001, NaN, 0.2, 0.9, 0.31]);
    const lab = Uint8Array.from([1, 1, 1, 0, 0, 0]);
    expect(confusionFromProbabilities(probs, lab)).toEqual({ tp: 1, fp: 1, fn: 2, tn: 2, ignored: 0 });
    expect(confusionFromProbabilities(probs, lab, { threshold: 0.3 })).toEqual({ tp: 2, fp: 2, fn: 1, tn: 1, ignored: 0 });
    expect(Array.from(thresholdProbabilities(probs))).toEqual([0, 1, 0, 0, 1, 0]);
    expect(Array.from(thresholdProbabilities(probs, 0.5, 255))).toEqual([0, 1, 255, 0, 1, 0]);
  });

  it('rejects mismatched sizes, labels outside 0/1, unknown mask values, bad thresholds', () => {
    expect(() => confusionFromMask(new Uint8Array(3), new Uint8Array(4))).toThrow(MetricsInputError);
    expect(() => confusionFromMask(new Uint8Array(4), new Uint8Array(4), { valid: new Uint8Array(3) })).toThrow(/valid mask has 3/);
    expect(() => confusionFromMask(Uint8Array.from([0, 1]), Int16Array.from([0, -1]))).toThrow(/label pixel 1 is -1/);
    expect(() => confusionFromMask(Uint8Array.from([0, 2]), Int16Array.from([0, 1]))).toThrow(/predicted mask pixel 1 is 2/);
    expect(() => confusionFromProbabilities(new Float32Array(2), new Uint8Array(2), { threshold: 1.5 })).toThrow(/threshold/);
    expect(() => confusionFromProbabilities(new Float32Array(2), new Uint8Array(2), { threshold: NaN })).toThrow(/threshold/);
  });
});

describe('scores and their null rules', () => {
  const c = (tp: number, fp: number, fn: number, tn: number, ignored = 0): ConfusionCounts => ({ tp, fp, fn, tn, ignored });

  it('computes the hand-made case', () => {
    const s = scoresFromCounts(c(2, 1, 1, 2, 2));
    expect(s.dice).toBeCloseTo(4 / 6, 15);
    expect(s.f1).toBe(s.dice);
    expect(s.iou).toBe(0.5);
    expect(s.precision).toBeCloseTo(2 / 3, 15);
    expect(s.recall).toBeCloseTo(2 / 3, 15);
    expect(s.accuracy).toBeCloseTo(4 / 6, 15);
  });

  it('no water in the label and none predicted: overlap scores are null, accuracy is 1', () => {
    expect(scoresFromCounts(c(0, 0, 0, 50, 3))).toEqual({ dice: null, iou: null, f1: null, precision: null, recall: null, accuracy: 1 });
  });

  it('all pixels ignored: every score is null', () => {
    expect(scoresFromCounts(c(0, 0, 0, 0, 262144))).toEqual({
      dice: null,
      iou: null,
      f1: null,
      precision: null,
      recall: null,
      accuracy: null,
    });
  });

  it('water missed entirely: precision undefined, recall/dice/iou are a real 0', () => {
    expect(scoresFromCounts(c(0, 0, 7, 3))).toEqual({ dice: 0, iou: 0, f1: 0, precision: null, recall: 0, accuracy: 0.3 });
  });

  it('water predicted where there is none: recall undefined, precision 0', () => {
    expect(scoresFromCounts(c(0, 4, 0, 6))).toEqual({ dice: 0, iou: 0, f1: 0, precision: 0, recall: null, accuracy: 0.6 });
  });

  it('perfect prediction scores exactly 1', () => {
    expect(scoresFromCounts(c(5, 0, 0, 5))).toEqual({ dice: 1, iou: 1, f1: 1, precision: 1, recall: 1, accuracy: 1 });
  });
});

describe('aggregate report', () => {
  it('global from summed counts, per-chip mean over defined values only, counts of contributing chips', () => {
    const report = buildMetricsReport([
      { id: 'a', counts: { tp: 2, fp: 1, fn: 1, tn: 2, ignored: 2 } },
      { id: 'dry', counts: { tp: 0, fp: 0, fn: 0, tn: 10, ignored: 0 } },
      { id: 'cloud', counts: { tp: 0, fp: 0, fn: 0, tn: 0, ignored: 100 } },
      { id: 'missed', counts: { tp: 0, fp: 0, fn: 4, tn: 0, ignored: 0 } },
    ]);
    expect(MetricsReportSchema.parse(report)).toEqual(report);
    expect(report.metrics).toEqual({
      ...scoresFromCounts({ tp: 2, fp: 1, fn: 5, tn: 12, ignored: 102 }),
      tp: 2,
      fp: 1,
      fn: 5,
      tn: 12,
      ignored: 102,
    });
    expect(report.metrics.iou).toBe(2 / 8);
    expect(report.perChipMean.chips).toBe(4);
    expect(report.perChipMean.chipsCounted).toEqual({ dice: 2, iou: 2, f1: 2, precision: 1, recall: 2, accuracy: 3 });
    expect(report.perChipMean.dice).toBeCloseTo((4 / 6 + 0) / 2, 15);
    expect(report.perChipMean.iou).toBe(0.25);
    expect(report.perChipMean.precision).toBeCloseTo(2 / 3, 15);
    expect(report.perChipMean.accuracy).toBeCloseTo((4 / 6 + 1 + 0) / 3, 15);
    expect(report.perChip.map((p) => p.id)).toEqual(['a', 'dry', 'cloud', 'missed']);
    expect(report.perChip[2]).toEqual({
      id: 'cloud',
      dice: null,
      iou: null,
      f1: null,
      precision: null,
      recall: null,
      accuracy: null,
      tp: 0,
      fp: 0,
      fn: 0,
      tn: 0,
      ignored: 100,
    });
    expect(Object.keys(report)).toEqual(['metrics', 'perChipMean', 'perChip']);
  });

  it('no chips, or only all-ignored chips: every mean is null with 0 chips counted', () => {
    for (const chips of [[], [{ id: 'x', counts: { ...emptyCounts(), ignored: 5 } }]]) {
      const report = buildMetricsReport(chips);
      for (const key of SCORE_KEYS) {
        expect(report.perChipMean[key]).toBeNull();
        expect(report.perChipMean.chipsCounted[key]).toBe(0);
        expect(report.metrics[key]).toBeNull();
      }
      expect(MetricsReportSchema.safeParse(report).success).toBe(true);
    }
  });

  it('rejects duplicate chip ids', () => {
    expect(() =>
      buildMetricsReport([
        { id: 'a', counts: emptyCounts() },
        { id: 'a', counts: emptyCounts() },
      ]),
    ).toThrow(/"a" appears twice/);
  });

  it('the schema rejects silent placeholders: NaN scores, negative counts, missing keys', () => {
    const good = buildMetricsReport([{ id: 'a', counts: { tp: 1, fp: 0, fn: 0, tn: 1, ignored: 0 } }]);
    expect(MetricsReportSchema.safeParse({ ...good, metrics: { ...good.metrics, dice: NaN } }).success).toBe(false);
    expect(MetricsReportSchema.safeParse({ ...good, metrics: { ...good.metrics, tp: -1 } }).success).toBe(false);
    const { iou: _dropped, ...noIou } = good.metrics;
    expect(MetricsReportSchema.safeParse({ ...good, metrics: noIou }).success).toBe(false);
  });
});

/** Naive reference: list the valid pixels, then count with filters; scores via precision/recall formulas. */
function referenceCounts(pred: number[], label: number[], valid: number[], labelNodata: number, threshold: number | null): ConfusionCounts {
  const idx = label.map((_, i) => i);
  const isValid = (i: number) => valid[i] !== 0 && label[i] !== labelNodata;
  const water = (i: number) => (threshold === null ? pred[i] === 1 : pred[i] > threshold);
  const kept = idx.filter(isValid);
  return {
    tp: kept.filter((i) => label[i] === 1 && water(i)).length,
    fp: kept.filter((i) => label[i] === 0 && water(i)).length,
    fn: kept.filter((i) => label[i] === 1 && !water(i)).length,
    tn: kept.filter((i) => label[i] === 0 && !water(i)).length,
    ignored: idx.length - kept.length,
  };
}

function referenceScores({ tp, fp, fn, tn }: ConfusionCounts) {
  const precision = tp + fp > 0 ? tp / (tp + fp) : null;
  const recall = tp + fn > 0 ? tp / (tp + fn) : null;
  const union = tp + fp + fn;
  // F1 via P and R where both exist and are non-zero; otherwise it is 0 (some error, no tp) or null (nothing to find)
  const f1 = union === 0 ? null : tp === 0 ? 0 : (2 * precision! * recall!) / (precision! + recall!);
  return {
    f1,
    iou: union === 0 ? null : tp / union,
    precision,
    recall,
    accuracy: tp + fp + fn + tn > 0 ? (tp + tn) / (tp + fp + fn + tn) : null,
  };
}

describe('property check against the naive reference on random masks', () => {
  it('500 random chips: counts identical, scores equal, aggregates consistent', () => {
    const r = rng(2024);
    const chips: { id: string; counts: ConfusionCounts }[] = [];
    const reference: ConfusionCounts[] = [];
    for (let k = 0; k < 500; k++) {
      const n = Math.floor(r() * 400);
      const waterRate = [0, 0.02, 0.5, 1][k % 4];
      const ignoreRate = [0, 0.3, 1][k % 3];
      const label = Array.from({ length: n }, () => (r() < ignoreRate ? -1 : r() < waterRate ? 1 : 0));
      const valid = Array.from({ length: n }, () => (r() < 0.1 ? 0 : 1));
      const probs = Array.from({ length: n }, () => (k % 5 === 0 ? Math.round(r()) : r()));
      const mask = probs.map((p) => (p > 0.5 ? 1 : 0));
      const threshold = [0.5, 0.1, 0.9][k % 3];

      const fromMask = confusionFromMask(Uint8Array.from(mask), Int16Array.from(label), { valid: Uint8Array.from(valid), labelNodata: -1 });
      expect(fromMask).toEqual(referenceCounts(mask, label, valid, -1, null));
      const fromProbs = confusionFromProbabilities(Float64Array.from(probs), Int16Array.from(label), {
        valid: Uint8Array.from(valid),
        labelNodata: -1,
        threshold,
      });
      const ref = referenceCounts(probs, label, valid, -1, threshold);
      expect(fromProbs).toEqual(ref);

      const s = scoresFromCounts(fromProbs);
      const rs = referenceScores(ref);
      for (const key of ['f1', 'iou', 'precision', 'recall', 'accuracy'] as const) {
        if (rs[key] === null) expect(s[key], key).toBeNull();
        else expect(s[key]!, key).toBeCloseTo(rs[key]!, 12);
      }
      expect(s.dice).toBe(s.f1);
      chips.push({ id: `chip${k}`, counts: fromProbs });
      reference.push(ref);
    }
    const report = buildMetricsReport(chips);
    const total = reference.reduce(addCounts, emptyCounts());
    expect(report.metrics).toEqual({ ...scoresFromCounts(total), ...total });
    const defined = reference
      .map(referenceScores)
      .map((x) => x.iou)
      .filter((v): v is number => v !== null);
    expect(report.perChipMean.chipsCounted.iou).toBe(defined.length);
    expect(report.perChipMean.iou!).toBeCloseTo(defined.reduce((a, b) => a + b, 0) / defined.length, 12);
    expect(MetricsReportSchema.safeParse(report).success).toBe(true);
  });

  it('counts a 512×512 chip quickly', () => {
    const n = 512 * 512;
    const r = rng(1);
    const label = Uint8Array.from({ length: n }, () => (r() < 0.05 ? 255 : r() < 0.3 ? 1 : 0));
    const probs = Float32Array.from({ length: n }, () => r());
    const start = performance.now();
    for (let k = 0; k < 20; k++) confusionFromProbabilities(probs, label, { labelNodata: 255 });
    const ms = (performance.now() - start) / 20;
    expect(ms).toBeLessThan(50);
  });
});
