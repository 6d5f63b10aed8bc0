/**
 * Scene rows of the bench (issue 9): `predict --scene` on mosaics of real Sen1Floods11 chips, one CLI
 * process per row (Mpx/s over the process's wall time, peak RSS = its VmHWM, workers included):
 * the scratch net at 1 and N workers, the Clay v1.5 decoder (tiny fixture encoder) at 1 and N workers, a
 * PyTorch sliding-window reference of the same scratch net and tiling in the same run
 * (test/bench/torch_scene_reference.py), and the scratch net at 1 worker on the larger sizes (memory growth).
 *   npm run bench -- --sections scene
 *   BENCH_SCENE_SIZES=1024,2048 BENCH_SCENE_WINDOW=256 BENCH_SCENE_WORKERS=1,2 BENCH_SCENE_CLAY=1
 * Run directly (npx tsx test/bench/scene.ts) it prints one JSON object.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scenePlan } from '../../src-main/engine/scene/scene-plan.ts';
import { SYSTEM_PYTHON, hasTorch } from '../helpers/python-reference.ts';
import { buildChipMosaic } from '../helpers/scene-mosaic.ts';
import { writeSeededHeadRun, writeSeededScratchRun } from '../helpers/seeded-run.ts';
import { hasShared, sharedFixture } from '../helpers/shared.ts';
import { measurePeakRss, removeRoot, scratchRoot } from '../robustness/scale-harness.ts';
import type { BenchSection } from './section.ts';

export interface SceneBenchRow {
  model: 'scratch' | 'clay-decoder';
  engine: string;
  size: number;
  window: number;
  workers: number | null;
  mpxPerSecond: number | null;
  peakRssMiB: number | null;
  seconds: number | null;
  note?: string;
}

export interface SceneBenchResult {
  sizes: number[];
  window: number;
  rows: SceneBenchRow[];
  /** Floodlens scratch at 1 worker ÷ PyTorch, same scene, net and tiling (the first size). */
  torchRatio: number | null;
  /** Peak RSS of the scratch net at the largest size ÷ at the smallest (1 worker): the goal is ≤ 1.3. */
  rssGrowth: number | null;
}

const sizesFromEnv = () => (process.env.BENCH_SCENE_SIZES ?? process.env.BENCH_SCENE_SIZE ?? '1024,2048').split(',').map(Number);

async function measureScene(
  model: SceneBenchRow['model'],
  runDir: string,
  scene: string,
  size: number,
  window: number | null,
  workers: number,
  outDir: string,
): Promise<SceneBenchRow> {
  const m = await measurePeakRss(`scene ${model} ${size} ${workers}w`, size * size, [
    'predict',
    '--run',
    runDir,
    '--scene',
    scene,
    '--out',
    outDir,
    '--workers',
    String(workers),
    ...(window === null ? [] : ['--window', String(window)]),
  ]);
  const summary = m.code === 0 ? readdirSync(outDir).find((f) => f.endsWith('_summary.json')) : undefined;
  return {
    model,
    engine: 'floodlens',
    size,
    window: summary ? (JSON.parse(readFileSync(join(outDir, summary), 'utf8')) as { window: number }).window : (window ?? 0),
    workers,
    mpxPerSecond: m.code === 0 ? (size * size) / 1e6 / m.seconds : null,
    peakRssMiB: Math.round(m.peakRssBytes / 2 ** 20),
    seconds: m.seconds,
    note: m.code === 0 ? undefined : m.stderrTail,
  };
}

export async function runSceneBench(): Promise<SceneBenchResult | null> {
  if (!hasShared) {
    console.log('[skipped] scene bench needs ../shared (real chips to mosaic)');
    return null;
  }
  const sizes = sizesFromEnv();
  const window = Number(process.env.BENCH_SCENE_WINDOW ?? 256);
  const workers = [...new Set((process.env.BENCH_SCENE_WORKERS ?? `1,${availableParallelism()}`).split(',').map(Number))];
  const clay = process.env.BENCH_SCENE_CLAY !== '0';
  const root = scratchRoot();
  try {
    const runDir = await writeSeededScratchRun(join(root, 'run'), { chipSize: window });
    const encoder = sharedFixture('clay-v1.5', 'clay-v1.5-tiny.ckpt');
    const decoderDir = await writeSeededHeadRun(join(root, 'decoder'), {
      kind: 'clay-decoder',
      encoder,
      version: 'v1.5',
      channels: 64,
      patch: 8,
    });
    // Each row goes to stderr as soon as it is measured (stdout stays one JSON document): a long run cut short keeps its rows.
    const rows: SceneBenchRow[] = [];
    const add = (row: SceneBenchRow) => {
      process.stderr.write(`scene row ${JSON.stringify(row)}\n`);
      rows.push(row);
    };
    let torchRatio: number | null = null;
    for (const [k, size] of sizes.entries()) {
      const scene = join(root, `scene-${size}.tif`);
      buildChipMosaic(scene, { width: size, height: size });
      // The largest sizes only for the memory figure: 1 worker.
      for (const n of k === 0 ? workers : [1])
        add(await measureScene('scratch', runDir, scene, size, window, n, join(root, `out-${size}-${n}`)));
      if (k === 0 && clay) {
        // Clay v1.5 tiny (dim 64, depth 2: the real v1.5 is dim 1024, depth 24), 256² encoder tiles, a core of one tile.
        for (const n of workers) add(await measureScene('clay-decoder', decoderDir, scene, size, null, n, join(root, `clay-${size}-${n}`)));
      }
      if (k === 0 && hasTorch) {
        const plan = scenePlan(size, size, window);
        const script = fileURLToPath(new URL('./torch_scene_reference.py', import.meta.url));
        const reference = JSON.parse(
          execFileSync(SYSTEM_PYTHON, [script, scene, String(window), String(plan.margin)], {
            encoding: 'utf8',
            cwd: fileURLToPath(new URL('.', import.meta.url)),
          }),
        );
        add({
          model: 'scratch',
          engine: `pytorch ${reference.torch} (${reference.threads} threads)`,
          size,
          window,
          workers: null,
          mpxPerSecond: reference.mpxPerSecond,
          peakRssMiB: null,
          seconds: reference.seconds,
        });
        const one = rows.find((r) => r.engine === 'floodlens' && r.model === 'scratch' && r.size === size && r.workers === 1);
        if (one?.mpxPerSecond) torchRatio = one.mpxPerSecond / reference.mpxPerSecond;
      }
      rmSync(scene, { force: true });
    }
    const rss = (size: number) =>
      rows.find((r) => r.model === 'scratch' && r.engine === 'floodlens' && r.size === size && r.workers === 1)?.peakRssMiB;
    const [small, large] = [rss(Math.min(...sizes)), rss(Math.max(...sizes))];
    const rssGrowth = sizes.length > 1 && small && large ? large / small : null;
    return { sizes, window, rows, torchRatio, rssGrowth };
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
      case: `${row.model} ${row.size}² window ${row.window}`,
      backend: row.engine === 'floodlens' ? context.backend.backend : row.engine,
      workers: row.workers,
      mpxPerSecond: row.mpxPerSecond,
      peakRssMiB: row.peakRssMiB,
      seconds: row.seconds,
      torchRatio:
        row.engine === 'floodlens' && row.model === 'scratch' && row.workers === 1 && row.size === result.sizes[0]
          ? result.torchRatio
          : null,
      note:
        row.note ??
        (result.rssGrowth !== null && row.model === 'scratch' && row.engine === 'floodlens' && row.size === Math.max(...result.sizes)
          ? `peak RSS ${result.rssGrowth.toFixed(2)}× the ${Math.min(...result.sizes)}² run's`
          : null),
    }));
  },
};
