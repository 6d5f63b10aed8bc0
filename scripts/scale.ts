/**
 * Peak memory against dataset size: builds datasets of N chips by hard-linking real chips under unique
 * ids and measures the peak RSS (VmHWM) of `dataset inspect`, `evaluate` and `embed` (tiny Clay v0
 * encoder from ../shared, when present), one CLI process per measurement.
 *   npx tsx scripts/scale.ts [--sizes 200,2000] [--steps inspect,evaluate,embed] [--source demo|fixtures] [--keep]
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  buildScaledDataset,
  demoRunTrainArgs,
  measurePeakRss,
  mib,
  removeRoot,
  repoRoot,
  scratchRoot,
  type ChipSourceName,
  type PeakMeasurement,
} from '../test/robustness/scale-harness.ts';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '200,2000' },
    steps: { type: 'string', default: 'inspect,evaluate,embed' },
    source: { type: 'string', default: 'demo' },
    keep: { type: 'boolean', default: false },
  },
});
const sizes = values.sizes.split(',').map(Number);
const steps = new Set(values.steps.split(','));
const source = values.source as ChipSourceName;
const encoder = join(repoRoot, '../shared/fixtures/clay-v0/clay-v0-tiny.ckpt');
const root = scratchRoot();
const results: PeakMeasurement[] = [];
const report = (m: PeakMeasurement) => {
  results.push(m);
  console.log(
    `${m.label.padEnd(9)} ${String(m.chips).padStart(5)} chips: peak RSS ${mib(m.peakRssBytes).padStart(8)}, ${m.seconds.toFixed(1)} s, exit ${m.code}`,
  );
  if (m.code !== 0) console.log(m.stderrTail);
};

try {
  let runDir: string | null = null;
  if (steps.has('evaluate')) {
    runDir = join(root, 'run');
    const train = await measurePeakRss('train', 4, demoRunTrainArgs(runDir));
    if (train.code !== 0) throw new Error(`training the run to evaluate failed:\n${train.stderrTail}`);
  }
  for (const chips of sizes) {
    const data = buildScaledDataset(root, chips, source);
    if (steps.has('inspect')) report(await measurePeakRss('inspect', chips, ['dataset', 'inspect', data, '--json']));
    if (steps.has('evaluate') && runDir)
      report(
        await measurePeakRss('evaluate', chips, [
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
        ]),
      );
    if (steps.has('embed')) {
      if (existsSync(encoder))
        report(
          await measurePeakRss('embed', chips, [
            'embed',
            '--encoder',
            encoder,
            '--data',
            data,
            '--out',
            join(root, `cache-${chips}`),
            '--json',
          ]),
        );
      else console.log(`embed: skipped, no tiny encoder at ${encoder}`);
    }
  }
  console.log('\nstep      ' + sizes.map((n) => `${n} chips`.padStart(12)).join('') + '   ratio');
  for (const step of ['inspect', 'evaluate', 'embed']) {
    const row = sizes.map((n) => results.find((r) => r.label === step && r.chips === n));
    if (row.some((r) => !r)) continue;
    const ratio = row.at(-1)!.peakRssBytes / row[0]!.peakRssBytes;
    console.log(step.padEnd(10) + row.map((r) => mib(r!.peakRssBytes).padStart(12)).join('') + `   ×${ratio.toFixed(2)}`);
  }
} finally {
  if (values.keep) console.log(`kept ${root}`);
  else removeRoot(root);
}
