// Training choices of issue 13, as pure functions: collapse detection and the best-checkpoint floor, the LR
// schedule, the time budget, validation crops, held-out splits, regions for cross-validation, pos-weighted BCE.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { detectCollapse, isBetter } from '../../src-main/engine/training/collapse.ts';
import { learningRate } from '../../src-main/engine/training/lr-schedule.ts';
import { TrainingBudget } from '../../src-main/engine/training/budget.ts';
import { heldOutSplit } from '../../src-main/engine/training/split.ts';
import { validationCrops } from '../../src-main/engine/inputs/validation-crops.ts';
import { groupByRegion, regionFromChipId } from '../../src-main/engine/cv/regions.ts';
import { bceWithLogits } from '../../src-main/engine/models/loss.ts';
import type { ModelSample } from '../../src-main/engine/inputs/training-source.ts';
import { inputBandsOf, labelledChips, sharedInputBands } from '../../src-main/engine/inputs/chip-samples.ts';
import { inspectDataset } from '../../src-main/engine/dataset/inspect.ts';
import { openTrainingSource } from '../../src-main/engine/inputs/open-source.ts';
import type { CanonicalBand } from '../../src-main/api/dataset.ts';
import { hasShared, reportSkippedWithoutShared, sharedData } from '../helpers/shared.ts';

describe('collapse', () => {
  it('flags all-water and no-water predictions, not a model that is merely poor', () => {
    expect(detectCollapse({ tp: 300, fp: 700, fn: 0, tn: 5 })).toBe('all-water');
    expect(detectCollapse({ tp: 0, fp: 0, fn: 300, tn: 700 })).toBe('no-water');
    expect(detectCollapse({ tp: 100, fp: 200, fn: 200, tn: 500 })).toBeNull();
    // Labels nearly all water: predicting water everywhere is right, not collapse. No water labelled: dry is right.
    expect(detectCollapse({ tp: 995, fp: 5, fn: 0, tn: 0 })).toBeNull();
    expect(detectCollapse({ tp: 0, fp: 0, fn: 0, tn: 1000 })).toBeNull();
  });

  it('never keeps a collapsed model as best once a non-collapsed one was seen, however high its IoU', () => {
    const good = { iou: 0.3, collapse: null };
    const allWater = { iou: 0.45, collapse: 'all-water' as const };
    expect(isBetter(allWater, null)).toBe(true);
    expect(isBetter(good, allWater)).toBe(true);
    expect(isBetter(allWater, good)).toBe(false);
    expect(isBetter({ iou: 0.31, collapse: null }, good)).toBe(true);
    expect(isBetter({ iou: null, collapse: null }, good)).toBe(false);
  });
});

describe('learning-rate schedule', () => {
  const config = { lr: 0.01, lrSchedule: 'warmup-cosine' as const, warmupSteps: 4 };
  it('warms up linearly, then decays along a cosine to 5 % of the base rate', () => {
    expect(learningRate(config, { step: 0, done: 0 })).toBeCloseTo(0.0025, 12);
    expect(learningRate(config, { step: 3, done: 0 })).toBeCloseTo(0.01, 12);
    expect(learningRate(config, { step: 100, done: 0.5 })).toBeCloseTo(0.01 * (0.05 + 0.95 * 0.5), 12);
    expect(learningRate(config, { step: 100, done: 1 })).toBeCloseTo(0.0005, 12);
    expect(learningRate({ ...config, lrSchedule: 'constant' }, { step: 0, done: 0.9 })).toBe(0.01);
  });
});

describe('time budget', () => {
  it('has no end without --max-minutes; counts time spent before a resume; keeps room for validation', () => {
    expect(new TrainingBudget(null).exhausted()).toBe(false);
    expect(new TrainingBudget(null).eta(12)).toBe(12);
    const spent = new TrainingBudget(1, 60);
    expect(spent.exhausted()).toBe(true);
    const fresh = new TrainingBudget(1);
    expect(fresh.exhausted()).toBe(false);
    fresh.validationSeconds = 61;
    expect(fresh.exhausted()).toBe(true);
    expect(fresh.eta(1000)!).toBeLessThanOrEqual(60);
  });
});

describe('validation crops', () => {
  const size = 8;
  const plane = size * size;
  const sample: ModelSample = {
    id: 'chip',
    channels: 2,
    inputHeight: size,
    inputWidth: size,
    height: size,
    width: size,
    input: Float32Array.from({ length: 2 * plane }, (_, i) => i),
    label: Float32Array.from({ length: plane }, (_, i) => i % 2),
    valid: new Float32Array(plane).fill(1),
    inputValid: new Uint8Array(plane).fill(1),
    labelValid: new Uint8Array(plane).fill(1),
  };
  it('cuts the same crops of every plane at corners fixed by chip id and seed', () => {
    const crops = validationCrops(sample, 4, 3, 7);
    expect(crops).toHaveLength(3);
    expect(validationCrops(sample, 4, 3, 7).map((c) => c.input)).toEqual(crops.map((c) => c.input));
    for (const crop of crops) {
      const x0 = crop.input[0] % size;
      const y0 = Math.floor(crop.input[0] / size);
      for (let y = 0; y < 4; y++) {
        for (let x = 0; x < 4; x++) {
          const source = (y0 + y) * size + x0 + x;
          expect(crop.input[y * 4 + x]).toBe(source);
          expect(crop.input[16 + y * 4 + x]).toBe(plane + source);
          expect(crop.label[y * 4 + x]).toBe(source % 2);
        }
      }
    }
    expect(validationCrops(sample, 16, 3, 7)).toEqual([sample]);
  });
});

describe('cross-validation regions and held-out splits', () => {
  it('groups Sen1Floods11 chips by country and C2S-MS chips by site, with overrides', () => {
    expect(regionFromChipId('Spain_7370579')).toBe('Spain');
    expect(regionFromChipId('jja10')).toBe('jja');
    expect(groupByRegion(['Spain_1', 'India_2', 'pxs10', 'Spain_3'], { pxs10: 'India' })).toEqual({
      India: ['India_2', 'pxs10'],
      Spain: ['Spain_1', 'Spain_3'],
    });
  });

  it('holds the named chips out of train and val', () => {
    const ids = ['a1', 'a2', 'b1', 'b2', 'c1', 'c2', 'd1'];
    const split = heldOutSplit(ids, ['b1', 'b2'], { seed: 3, valSplit: 0.2 });
    expect(split.test).toEqual(['b1', 'b2']);
    expect([...split.train, ...split.val].sort()).toEqual(['a1', 'a2', 'c1', 'c2', 'd1']);
    expect(split.val.length).toBe(1);
  });
});

describe('pos-weighted BCE', () => {
  it('weighs water pixels as PyTorch pos_weight does (hand-computed at logit 0: every term is ln 2)', () => {
    const loss = bceWithLogits(tf.zeros([4]), tf.tensor1d([1, 0, 1, 0]), tf.tensor1d([1, 1, 1, 0]), 3);
    // valid terms: 3·ln2 (water) + ln2 (dry) + 3·ln2 (water), over 3 valid pixels
    expect(loss.dataSync()[0]).toBeCloseTo((7 * Math.LN2) / 3, 6);
    expect(bceWithLogits(tf.zeros([2]), tf.tensor1d([1, 0])).dataSync()[0]).toBeCloseTo(Math.LN2, 6);
  });
});

describe.skipIf(!hasShared)('default input bands of a pixel model (real Sen1Floods11 chips)', () => {
  reportSkippedWithoutShared('default input bands');
  it('are the bands every chip holds: the one S1+S2 chip does not bring S2 bands that the S1 chips lack', async () => {
    const chips = labelledChips(await inspectDataset(sharedData('sen1floods11')));
    expect(chips.map((c) => c.id)).toContain('Spain_7370579');
    expect(inputBandsOf(chips)).toContain('B04');
    expect(sharedInputBands(chips)).toEqual(['VH', 'VV']);
    // No band in common (S2-only against S1-only): every band with data.
    const spain = chips.find((c) => c.id === 'Spain_7370579')!;
    const s2Only = { ...spain, bandDetails: spain.bandDetails.filter((b) => b.name !== 'VV' && b.name !== 'VH') };
    const s1Only = chips.find((c) => c.id === 'India_900498')!;
    expect(sharedInputBands([s2Only, s1Only])).toEqual(inputBandsOf([s2Only, s1Only]));
  });

  it('refuse a chosen band that only validation chips hold, instead of standardising it with mean 0 / std 1', async () => {
    const chips = labelledChips(await inspectDataset(sharedData('sen1floods11')));
    const trainChips = chips.filter((c) => c.id !== 'Spain_7370579');
    const config = {
      model: 'scratch' as const,
      embeddingsDir: null,
      encoder: null,
      chipSize: null,
      augment: false,
      normalisation: 'dataset' as const,
      bands: ['VV', 'B04'] as CanonicalBand[],
    };
    await expect(openTrainingSource(config, chips, trainChips)).rejects.toThrow(/no training chip has data in the chosen band B04/);
    const accepted = await openTrainingSource(config, chips, chips);
    expect(accepted.source.inputBands).toEqual(['B04', 'VV']);
  });
});
