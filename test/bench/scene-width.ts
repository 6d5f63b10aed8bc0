/**
 * Peak RSS of a Clay scene against the scene's width (issue 9): the Clay v0 decoder (tiny fixture encoder; Clay v0
 * reads 13 float bands, 1536-px windows) at 1 worker on a narrow and a wide mosaic of real Sen1Floods11 chips of
 * the same height, one CLI process each (VmHWM, workers included). The goal: the wide run's peak is close to the
 * narrow one's (the raw pixels are read in bounded blocks of windows, not strips of the scene's width).
 *   npm run bench -- --sections scene-width
 *   BENCH_SCENE_WIDTHS=1031,8191 BENCH_SCENE_WIDTH_HEIGHT=1031 npx tsx test/bench/scene-width.ts   (one JSON object)
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readdirSync, rmSync } from 'node:fs';
import { buildChipMosaic } from '../helpers/scene-mosaic.ts';
import { writeSeededHeadRun } from '../helpers/seeded-run.ts';
import { hasShared, sharedFixture } from '../helpers/shared.ts';
import { measurePeakRss, removeRoot, scratchRoot } from '../robustness/scale-harness.ts';
import type { BenchSection } from './section.ts';

export interface SceneWidthRow {
  width: number;
  height: number;
  peakRssMiB: number | null;
  seconds: number;
  mpxPerSecond: number | null;
  note?: string;
}

export interface SceneWidthResult {
  model: string;
  rows: SceneWidthRow[];
  /** Peak RSS at the widest ÷ at the narrowest. */
  rssGrowth: number | null;
}

export async function runSceneWidthBench(): Promise<SceneWidthResult | null> {
  if (!hasShared) {
    console.log('[skipped] scene-width bench needs ../shared (real chips, the Clay v0 fixture)');
    return null;
  }
  const widths = (process.env.BENCH_SCENE_WIDTHS ?? '1031,8191').split(',').map(Number);
  const height = Number(process.env.BENCH_SCENE_WIDTH_HEIGHT ?? 1031);
  const root = scratchRoot();
  try {
    const runDir = await writeSeededHeadRun(join(root, 'decoder-v0'), {
      kind: 'clay-decoder',
      encoder: sharedFixture('clay-v0', 'clay-v0-tiny.ckpt'),
      version: 'v0',
      channels: 384,
      patch: 32,
    });
    const rows: SceneWidthRow[] = [];
    for (const width of widths) {
      const scene = join(root, `scene-${width}x${height}.tif`);
      buildChipMosaic(scene, { width, height });
      const outDir = join(root, `out-${width}`);
      const m = await measurePeakRss(`scene clay v0 ${width}×${height}`, width * height, [
        'predict',
        '--run',
        runDir,
        '--scene',
        scene,
        '--date',
        '2018-09-18',
        '--out',
        outDir,
        '--workers',
        '1',
      ]);
      const done = m.code === 0 && readdirSync(outDir).some((f) => f.endsWith('_summary.json'));
      const row: SceneWidthRow = {
        width,
        height,
        peakRssMiB: done ? Math.round(m.peakRssBytes / 2 ** 20) : null,
        seconds: m.seconds,
        mpxPerSecond: done ? (width * height) / 1e6 / m.seconds : null,
        ...(done ? {} : { note: m.stderrTail }),
      };
      process.stderr.write(`scene-width row ${JSON.stringify(row)}\n`);
      rows.push(row);
      rmSync(scene, { force: true });
    }
    const rss = (width: number) => rows.find((r) => r.width === width)?.peakRssMiB;
    const [narrow, wide] = [rss(Math.min(...widths)), rss(Math.max(...widths))];
    return { model: 'clay-decoder v0 (tiny encoder), 1 worker', rows, rssGrowth: narrow && wide ? wide / narrow : null };
  } finally {
    removeRoot(root);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(JSON.stringify(await runSceneWidthBench(), null, 2));
}

/** The rows as a bench section (`npm run bench -- --sections scene-width`). */
export const sceneWidthSection: BenchSection = {
  name: 'scene-width',
  async run(context) {
    const result = await runSceneWidthBench();
    if (!result) return [];
    const widest = Math.max(...result.rows.map((r) => r.width));
    return result.rows.map((row) => ({
      section: 'scene-width',
      case: `${result.model} ${row.width}×${row.height}`,
      backend: context.backend.backend,
      peakRssMiB: row.peakRssMiB,
      seconds: row.seconds,
      mpxPerSecond: row.mpxPerSecond,
      note:
        row.note ??
        (row.width === widest && result.rssGrowth !== null
          ? `peak RSS ${result.rssGrowth.toFixed(2)}× the ${Math.min(...result.rows.map((r) => r.width))}-px-wide run's`
          : null),
    }));
  },
};
