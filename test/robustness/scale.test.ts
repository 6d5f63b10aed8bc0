/**
 * Memory flat in the number of chips (CI size): peak RSS of `dataset inspect` and `evaluate` on 20 and
 * 200 copies of a real chip. `npx tsx scripts/scale.ts` measures 200 vs 2,000 (and embed).
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildScaledDataset, demoRunTrainArgs, measurePeakRss, mib, removeRoot, scratchRoot } from './scale-harness.ts';

const SMALL = 20;
const LARGE = 100;
/** Generous: a per-chip leak of even ~0.3 MiB (a 64×64 chip's pixels and masks) would exceed it. */
const MAX_RATIO = 1.35;

describe('peak memory does not grow with the number of chips', () => {
  const root = scratchRoot();
  afterAll(() => removeRoot(root));

  it(`inspect and evaluate: peak RSS at ${LARGE} chips within ×${MAX_RATIO} of ${SMALL} chips`, async () => {
    const runDir = join(root, 'run');
    const train = await measurePeakRss('train', 4, demoRunTrainArgs(runDir));
    expect(train.code, train.stderrTail).toBe(0);
    const peaks: Record<string, number[]> = { inspect: [], evaluate: [] };
    for (const chips of [SMALL, LARGE]) {
      const data = buildScaledDataset(root, chips, 'fixtures');
      const inspect = await measurePeakRss('inspect', chips, ['dataset', 'inspect', data, '--json']);
      expect(inspect.code, inspect.stderrTail).toBe(0);
      const evaluate = await measurePeakRss('evaluate', chips, [
        'evaluate',
        '--run',
        runDir,
        '--data',
        data,
        '--split',
        'all',
        '--checkpoint',
        'last',
        '--json',
      ]);
      expect(evaluate.code, evaluate.stderrTail).toBe(0);
      peaks.inspect.push(inspect.peakRssBytes);
      peaks.evaluate.push(evaluate.peakRssBytes);
      console.log(
        `${chips} chips: inspect peak ${mib(inspect.peakRssBytes)} (${inspect.seconds.toFixed(1)} s), evaluate peak ${mib(evaluate.peakRssBytes)} (${evaluate.seconds.toFixed(1)} s)`,
      );
    }
    for (const [step, [small, large]] of Object.entries(peaks)) {
      expect(small, `${step} peak was not measured`).toBeGreaterThan(50 * 2 ** 20);
      expect(large / small, `${step}: ${mib(small)} at ${SMALL} chips → ${mib(large)} at ${LARGE}`).toBeLessThan(MAX_RATIO);
    }
  }, 400_000);
});
