/**
 * Peak RSS (VmHWM) and throughput of `floodlens predict --scene` against scene size: scenes of N×N px
 * are mosaicked from real Sen1Floods11 S1 chips (test/helpers/scene-mosaic.ts), predicted by the
 * scratch net on the engine's backend, one CLI process per measurement. The goal of issue 9:
 * peak(8k²) ≤ 1.3 × peak(1k²) and ≤ 1.5 GB.
 *   npx tsx scripts/scene-rss.ts [--sizes 1024,8192] [--workers 1] [--window 256] [--shard i/N] [--run <runDir>] [--keep]
 * `--shard` limits each measurement to one shard of tile rows (full scene width), to bound the time on a
 * slow machine; memory depends on the width and the window, so a full-width shard shows the growth.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { measurePeakRss, mib, removeRoot, scratchRoot } from '../test/robustness/scale-harness.ts';
import { buildChipMosaic } from '../test/helpers/scene-mosaic.ts';
import { writeSeededScratchRun } from '../test/helpers/seeded-run.ts';
import { hasShared } from '../test/helpers/shared.ts';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1024,8192' },
    workers: { type: 'string', default: '1' },
    window: { type: 'string', default: '256' },
    shard: { type: 'string' },
    run: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
if (!hasShared) {
  console.log('[skipped] scene-rss needs ../shared (real chips to mosaic)');
  process.exit(0);
}
const root = scratchRoot();
const runDir = values.run ?? (await writeSeededScratchRun(join(root, 'run'), { chipSize: Number(values.window) }));
const results = [];
for (const size of values.sizes.split(',').map(Number)) {
  const scene = join(root, `scene-${size}.tif`);
  if (!existsSync(scene)) buildChipMosaic(scene, { width: size, height: size });
  for (const workers of values.workers.split(',')) {
    const args = [
      'predict',
      '--run',
      runDir,
      '--scene',
      scene,
      '--out',
      join(root, `out-${size}-${workers}`),
      '--workers',
      workers,
      '--window',
      values.window,
    ];
    if (values.shard) args.push('--shard', values.shard);
    const m = await measurePeakRss(`${size}²`, size * size, args, 4 * 3_600_000);
    const megapixels = values.shard ? null : (size * size) / 1e6;
    const row = {
      size,
      workers: Number(workers),
      shard: values.shard ?? null,
      peakRssMiB: Math.round(m.peakRssBytes / 2 ** 20),
      seconds: Number(m.seconds.toFixed(1)),
      mpxPerSecond: megapixels ? Number((megapixels / m.seconds).toFixed(4)) : null,
      exit: m.code,
    };
    results.push(row);
    console.log(
      `${String(size).padStart(5)}² ${workers} worker(s)${values.shard ? ` shard ${values.shard}` : ''}: peak RSS ${mib(m.peakRssBytes)}, ${m.seconds.toFixed(1)} s, exit ${m.code}`,
    );
    if (m.code !== 0) console.log(m.stderrTail);
  }
}
const [first, last] = [results[0], results[results.length - 1]];
if (first && last && first !== last)
  console.log(
    `peak RSS ratio ${last.size}² / ${first.size}²: ${(last.peakRssMiB / first.peakRssMiB).toFixed(2)}× (goal ≤ 1.3×, ≤ 1536 MiB)`,
  );
console.log(JSON.stringify({ results }, null, 2));
if (!values.keep) removeRoot(root);
