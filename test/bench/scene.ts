/**
 * Scene rows of the bench (issue 9): `predict --scene` on a mosaic of real Sen1Floods11 chips with the
 * scratch net at 1 and N workers (Mpx/s and peak RSS, one CLI process each), and a PyTorch sliding-window
 * reference of the same net and tiling in the same run (test/bench/torch_scene_reference.py).
 *   npm run bench -- --sections scene
 *   BENCH_SCENE_SIZE=1024 BENCH_SCENE_WINDOW=256 BENCH_SCENE_WORKERS=1,2
 * Prints one JSON object. The Clay decoder has no scene path yet: its rows say so.
 */
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scenePlan } from '../../src-main/engine/scene/scene-plan.ts';
import { SYSTEM_PYTHON, hasTorch } from '../helpers/python-reference.ts';
import { buildChipMosaic } from '../helpers/scene-mosaic.ts';
import { writeSeededScratchRun } from '../helpers/seeded-run.ts';
import { hasShared } from '../helpers/shared.ts';
import { measurePeakRss, removeRoot, scratchRoot } from '../robustness/scale-harness.ts';
import type { BenchSection } from './section.ts';

export interface SceneBenchRow {
  model: 'scratch' | 'clay-decoder';
  engine: string;
  workers: number | null;
  mpxPerSecond: number | null;
  peakRssMiB: number | null;
  seconds: number | null;
  note?: string;
}

export async function runSceneBench(): Promise<{ size: number; window: number; rows: SceneBenchRow[]; torchRatio: number | null } | null> {
  if (!hasShared) {
    console.log('[skipped] scene bench needs ../shared (real chips to mosaic)');
    return null;
  }
  const size = Number(process.env.BENCH_SCENE_SIZE ?? 1024);
  const window = Number(process.env.BENCH_SCENE_WINDOW ?? 256);
  const workers = (process.env.BENCH_SCENE_WORKERS ?? `1,${availableParallelism()}`).split(',').map(Number);
  const root = scratchRoot();
  try {
    const scene = join(root, `scene-${size}.tif`);
    buildChipMosaic(scene, { width: size, height: size });
    const runDir = await writeSeededScratchRun(join(root, 'run'), { chipSize: window });
    const rows: SceneBenchRow[] = [];
    for (const n of [...new Set(workers)]) {
      const m = await measurePeakRss(`scene ${n}w`, size * size, [
        'predict',
        '--run',
        runDir,
        '--scene',
        scene,
        '--out',
        join(root, `out-${n}`),
        '--workers',
        String(n),
        '--window',
        String(window),
      ]);
      rows.push({
        model: 'scratch',
        engine: 'floodlens',
        workers: n,
        mpxPerSecond: m.code === 0 ? (size * size) / 1e6 / m.seconds : null,
        peakRssMiB: Math.round(m.peakRssBytes / 2 ** 20),
        seconds: m.seconds,
        note: m.code === 0 ? undefined : m.stderrTail,
      });
    }
    let torchRatio: number | null = null;
    if (hasTorch) {
      const plan = scenePlan(size, size, window);
      const script = fileURLToPath(new URL('./torch_scene_reference.py', import.meta.url));
      const reference = JSON.parse(
        execFileSync(SYSTEM_PYTHON, [script, scene, String(window), String(plan.margin)], {
          encoding: 'utf8',
          cwd: fileURLToPath(new URL('.', import.meta.url)),
        }),
      );
      rows.push({
        model: 'scratch',
        engine: `pytorch ${reference.torch} (${reference.threads} threads)`,
        workers: null,
        mpxPerSecond: reference.mpxPerSecond,
        peakRssMiB: null,
        seconds: reference.seconds,
      });
      const one = rows.find((r) => r.engine === 'floodlens' && r.workers === 1);
      if (one?.mpxPerSecond) torchRatio = one.mpxPerSecond / reference.mpxPerSecond;
    }
    rows.push({
      model: 'clay-decoder',
      engine: 'floodlens',
      workers: null,
      mpxPerSecond: null,
      peakRssMiB: null,
      seconds: null,
      note: 'scene prediction through the Clay encoder is not implemented yet',
    });
    return { size, window, rows, torchRatio };
  } finally {
    removeRoot(root);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(JSON.stringify(await runSceneBench(), null, 2));
}

/** The scene rows as a bench section (`npm run bench -- --sections scene`). */
export const sceneSection: BenchSection = {
  name: 'scene',
  async run(context) {
    const result = await runSceneBench();
    if (!result) return [];
    return result.rows.map((row) => ({
      section: 'scene',
      case: `${row.model} ${result.size}² window ${result.window}`,
      backend: row.engine === 'floodlens' ? context.backend.backend : row.engine,
      workers: row.workers,
      mpxPerSecond: row.mpxPerSecond,
      peakRssMiB: row.peakRssMiB,
      seconds: row.seconds,
      torchRatio: row.engine === 'floodlens' && row.workers === 1 ? result.torchRatio : null,
      note: row.note ?? null,
    }));
  },
};
