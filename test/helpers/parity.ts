/** What the parity suites share: a fixture folder's raw float32 arrays, the error measures, the stage-by-stage check. */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { sharedFixture } from './shared.ts';

/** Reads `name` (raw little-endian float32) from `../shared/fixtures/<fixture>/`. */
export function fixtureFloat32(fixture: string, name: string): Float32Array {
  const b = readFileSync(sharedFixture(fixture, name));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
}

/** max |ours − ref| over the array, and that divided by max |ref| (the absolute error when ref is all zeros). */
export function parityErrors(ours: ArrayLike<number>, ref: ArrayLike<number>): { maxAbs: number; rel: number } {
  expect(ours.length).toBe(ref.length);
  let maxAbs = 0;
  let scale = 0;
  for (let i = 0; i < ref.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(ours[i] - ref[i]));
    scale = Math.max(scale, Math.abs(ref[i]));
  }
  return { maxAbs, rel: scale === 0 ? maxAbs : maxAbs / scale };
}

/** max |a − b| / max |b| over the tensor. */
export const relativeError = (a: ArrayLike<number>, b: ArrayLike<number>): number => parityErrors(a, b).rel;

/** Checks stage after stage against `atol` and keeps each stage's errors in `report` (printed by the suite). */
export function parityChecker(): {
  report: Record<string, string>;
  expectClose(name: string, ours: Float32Array | undefined, ref: Float32Array, atol?: number): void;
} {
  const report: Record<string, string> = {};
  return {
    report,
    expectClose(name, ours, ref, atol = 1e-4) {
      expect(ours, `${name} was not captured`).toBeDefined();
      const e = parityErrors(ours!, ref);
      report[name] = `max abs ${e.maxAbs.toExponential(2)}, rel ${e.rel.toExponential(2)}`;
      expect(e.maxAbs, name).toBeLessThan(atol);
    },
  };
}
