/**
 * Scene prediction on a pool of worker threads: the scene's tile rows (or one shard's) are cut into
 * one contiguous range per worker, each worker writes a part, and the parts are merged into the COG
 * and summary. Each pixel depends only on the scene and the window plan, so 1 or N workers (or N
 * shards merged later) give the same bytes. Progress sums the workers'; cancel stops them all.
 */
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { mkdir, rm } from 'node:fs/promises';
import { readRunRecord } from '../run/run-record.ts';
import { mergeSceneParts, type SceneSummary } from '../scene/merge-parts.ts';
import type { SceneOptions } from '../scene/predict-part.ts';
import { beginScenePartFolder, completeScenePartFolder, sceneStem } from '../scene/scene-part.ts';
import type { VectorOptions } from '../../api/vector.ts';
import { shardRows, splitRows, windowsFor } from '../scene/scene-plan.ts';
import { openSceneInfo } from '../scene/scene-source.ts';
import { scenePlanFor } from '../scene/window-model.ts';
import { otsuBandOf, sceneOtsuThreshold } from '../scene/otsu-window-model.ts';
import { etaSeconds, type JobContext } from '../compute/job-context.ts';
import { defaultWorkers } from '../compute/worker-thread.ts';
import { runJobsTogether } from './worker-pool.ts';

export interface ScenePredictRequest extends SceneOptions {
  outDir: string;
  /** Worker threads (default: one per core). */
  workers?: number;
  /** Only this shard's tile rows, written as parts into `outDir` for `merge`. */
  shard?: { index: number; count: number };
  /** Water polygons of the finished mask; refused with `shard` (a sharded run vectorises at `merge`). */
  vector?: Partial<VectorOptions> & Pick<VectorOptions, 'formats'>;
}

export interface ScenePredictResult {
  /** Null for a shard: its parts wait for `merge`. */
  summary: SceneSummary | null;
  parts: string[];
  outDir: string;
  windows: number;
}

export async function predictScene(request: ScenePredictRequest, context: JobContext): Promise<ScenePredictResult> {
  const started = performance.now();
  if (request.shard && request.vector)
    throw new Error('polygons of a sharded run are made once, by merge: give --vector to merge, not to each shard');
  const info = await openSceneInfo(request.scene, { bands: request.bands, s1Units: request.s1Units, date: request.date });
  const record = await readRunRecord(request.runDir);
  const plan = scenePlanFor(record, info.width, info.height, request.window, request.overlap);
  const range = request.shard ? shardRows(plan, request.shard.index, request.shard.count) : ([0, plan.tileRows] as const);
  const workers = Math.max(1, request.workers ?? defaultWorkers());
  const outDir = resolve(request.outDir);
  const partDir = request.shard ? outDir : join(outDir, `.parts-${sceneStem(info.path)}-${randomBytes(4).toString('hex')}`);
  const ranges = splitRows(range, workers);
  const total = windowsFor(plan, range);
  if (ranges.length === 0) {
    context.log(`shard ${request.shard!.index}/${request.shard!.count} has no tile rows (the scene has ${plan.tileRows}): nothing to do`);
    return { summary: null, parts: [], outDir, windows: 0 };
  }
  context.log(
    `${info.width}×${info.height} px, window ${plan.window} (centre ${plan.core} kept), ${total} windows on ${ranges.length} worker(s)`,
  );

  const done = new Array<number>(ranges.length).fill(0);
  const report = () => {
    const windows = done.reduce((a, b) => a + b, 0);
    const elapsed = (performance.now() - started) / 1000;
    const megapixels = (windows * plan.core * plan.core) / 1e6;
    context.progress({
      phase: 'predict',
      epoch: null,
      epochs: null,
      step: windows,
      steps: total,
      loss: null,
      samplesPerSecond: windows / Math.max(elapsed, 1e-9),
      etaSeconds: etaSeconds(windows, total, elapsed),
      message: `${(megapixels / Math.max(elapsed, 1e-9)).toFixed(2)} Mpx/s, ${ranges.length} worker(s)`,
    });
  };
  try {
    await mkdir(partDir, { recursive: true });
    await beginScenePartFolder(partDir);
    const { vector: _vector, ...partRequest } = request;
    // Otsu: one threshold for the whole scene, computed once here and shared by the workers.
    if (record.model.kind === 'otsu' && partRequest.otsuThresholdDb === undefined) {
      const threshold = await sceneOtsuThreshold(info, otsuBandOf(record));
      if (threshold !== null) partRequest.otsuThresholdDb = threshold;
      context.log(`Otsu threshold over the whole scene: ${threshold === null ? 'none (no data)' : `${threshold.toFixed(3)} dB`}`);
    }
    const results = await runJobsTogether(
      'scene.part',
      ranges.map((rows) => ({ ...partRequest, partDir, rows })),
      context,
      (k, p) => {
        done[k] = p.step;
        report();
      },
    );
    context.throwIfCancelled();
    await completeScenePartFolder(
      partDir,
      results.map((r) => r.manifest),
      { run: record.id, scene: info.path, shard: request.shard ?? null },
    );
    if (request.shard) return { summary: null, parts: results.map((r) => r.manifest), outDir, windows: total };
    context.progress({
      phase: 'assemble',
      epoch: null,
      epochs: null,
      step: 0,
      steps: 1,
      loss: null,
      samplesPerSecond: null,
      etaSeconds: null,
      message: 'writing the COG and overviews',
    });
    const summary = await mergeSceneParts(
      { partDirs: [partDir], outDir, workers: ranges.length, shards: 1, startedAt: started, vector: request.vector },
      context,
    );
    return { summary, parts: [], outDir, windows: total };
  } finally {
    if (!request.shard) await rm(partDir, { recursive: true, force: true });
  }
}
