import { describe, expect, it } from 'vitest';
import { splitChips } from '../../src-main/engine/training/split.ts';
import { SeededRandom } from '../../src-main/engine/inputs/seeded-random.ts';
import { applyTransform, drawTransform, waterPixelIndices, type Sample } from '../../src-main/engine/inputs/augment.ts';

const ids = Array.from({ length: 40 }, (_, i) => `chip_${i}`);

describe('splitChips', () => {
  it('is deterministic, disjoint and complete', () => {
    const a = splitChips(ids, 7, { val: 0.2, test: 0.2 });
    const b = splitChips([...ids].reverse(), 7, { val: 0.2, test: 0.2 });
    expect(a).toEqual(b);
    const all = [...a.train, ...a.val, ...a.test];
    expect(new Set(all).size).toBe(ids.length);
    expect(a.val).toHaveLength(8);
    expect(a.test).toHaveLength(8);
  });

  it('depends on the seed', () => {
    expect(splitChips(ids, 1, { val: 0.2, test: 0.2 }).test).not.toEqual(splitChips(ids, 2, { val: 0.2, test: 0.2 }).test);
  });

  it('adding a chip moves no other chip', () => {
    const before = splitChips(ids, 3, { val: 0.25, test: 0 });
    const after = splitChips([...ids, 'new_chip'], 3, { val: 0.25, test: 0 });
    const moved = ids.filter((id) => before.val.includes(id) !== after.val.includes(id));
    expect(moved.length).toBeLessThanOrEqual(1);
  });

  it('keeps at least one chip for each requested part of a small dataset', () => {
    const split = splitChips(['a', 'b', 'c'], 0, { val: 0.1, test: 0.1 });
    expect([split.train.length, split.val.length, split.test.length]).toEqual([1, 1, 1]);
  });

  it('refuses fractions that leave nothing to train on', () => {
    expect(() => splitChips(ids, 0, { val: 0.6, test: 0.4 })).toThrow(RangeError);
  });
});

function numberedSample(width: number, height: number, channels: number): Sample {
  const plane = width * height;
  const pixels = new Float32Array(channels * plane).map((_, i) => i);
  const label = new Float32Array(plane).map((_, i) => i % 2);
  const valid = new Float32Array(plane).map((_, i) => (i % 3 === 0 ? 0 : 1));
  return { channels, width, height, pixels, label, valid };
}

describe('augmentation', () => {
  it('crops the requested window', () => {
    const sample = numberedSample(6, 5, 2);
    const out = applyTransform(sample, { cropX: 2, cropY: 1, size: { width: 3, height: 2 }, flipX: false, flipY: false, quarterTurns: 0 });
    expect(Array.from(out.pixels.slice(0, 6))).toEqual([8, 9, 10, 14, 15, 16]);
    expect(Array.from(out.pixels.slice(6))).toEqual([38, 39, 40, 44, 45, 46]);
  });

  it('rotates a quarter turn counter-clockwise and flips', () => {
    const sample = numberedSample(2, 2, 1); // [[0,1],[2,3]]
    const turn = applyTransform(sample, { cropX: 0, cropY: 0, size: { width: 2, height: 2 }, flipX: false, flipY: false, quarterTurns: 1 });
    expect(Array.from(turn.pixels)).toEqual([1, 3, 0, 2]);
    const flip = applyTransform(sample, { cropX: 0, cropY: 0, size: { width: 2, height: 2 }, flipX: true, flipY: false, quarterTurns: 0 });
    expect(Array.from(flip.pixels)).toEqual([1, 0, 3, 2]);
  });

  it('moves pixels, label and valid mask together', () => {
    const sample = numberedSample(8, 8, 3);
    const random = new SeededRandom(5);
    for (let k = 0; k < 20; k++) {
      const out = applyTransform(sample, drawTransform(sample, { cropSize: 4, flipsAndRotations: true }, random));
      for (let i = 0; i < 16; i++) {
        const source = out.pixels[i]; // channel 0 value == source flat index
        expect(out.label[i]).toBe(sample.label[source]);
        expect(out.valid[i]).toBe(sample.valid[source]);
        expect(out.pixels[32 + i]).toBe(source + 128);
      }
    }
  });

  it('draws the same transforms from the same seed', () => {
    const draw = (seed: number) => {
      const random = new SeededRandom(seed);
      return Array.from({ length: 5 }, () => drawTransform({ width: 64, height: 64 }, { cropSize: 32, flipsAndRotations: true }, random));
    };
    expect(draw(11)).toEqual(draw(11));
    expect(draw(11)).not.toEqual(draw(12));
  });
});

describe('water-centred crops', () => {
  it('puts a water pixel inside every water-centred crop, and only crops when asked', () => {
    const width = 64;
    const sample = numberedSample(width, width, 1);
    sample.label.fill(0);
    sample.valid.fill(1);
    const water = [5 * width + 60, 50 * width + 3];
    for (const i of water) sample.label[i] = 1;
    const indices = waterPixelIndices(sample);
    expect(Array.from(indices)).toEqual(water);
    const random = new SeededRandom(9);
    for (let k = 0; k < 50; k++) {
      const t = drawTransform(sample, { cropSize: 16, flipsAndRotations: false, waterCropShare: 1 }, random, indices);
      const inside = water.some((i) => {
        const x = i % width;
        const y = Math.floor(i / width);
        return x >= t.cropX && x < t.cropX + 16 && y >= t.cropY && y < t.cropY + 16;
      });
      expect(inside).toBe(true);
    }
  });
});
