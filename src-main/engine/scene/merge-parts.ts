/**
 * Assembles parts (from the workers of one run, or from shards run anywhere) into the scene's products:
 * `<stem>_mask.tif` (COG, uint8 1/0/255, palette), optionally `<stem>_prob.tif` (COG, float32, NaN no data)
 * and `<stem>_summary.json` (true-area km²), optionally water polygons (`--vector`, from the finished mask COG),
 * then the folder's completion manifest (fs/completion.ts), last. Only part folders whose own completion
 * manifest is valid are trusted (`completeScenePartFolder`, written by each run or shard after its parts).
 */
import { mkdir, open, readdir, readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { inflateSync } from 'node:zlib';
import { StreamingCogWriter } from '../export/cog-writer.ts';
import { writeJsonAtomic } from '../fs/atomic-write.ts';
import { beginOutputs, completeOutputs, readCompletedOutputs } from '../fs/completion.ts';
import type { VectorOptions } from '../../api/vector.ts';
import { LocalJobContext, type JobContext } from '../compute/job-context.ts';
import { vectoriseMask } from '../vector/vectorise-job.ts';
import { MaskAreaAccumulator, toKm2 } from '../geo/pixel-area.ts';
import { MASK_NODATA, MASK_NOT_WATER, MASK_WATER } from '../export/masks.ts';
import { ScenePartSchema, isPartManifest, partFileNames, type ScenePart } from './scene-part.ts';

export const MASK_PALETTE = new Map<number, readonly [number, number, number]>([
  [MASK_NOT_WATER, [235, 235, 225]],
  [MASK_WATER, [0, 92, 230]],
  [MASK_NODATA, [0, 0, 0]],
]);

export interface SceneSummary {
  scene: string;
  /** `otsuThresholdDb`: the Otsu baseline's one threshold for the whole scene (dB). */
  run: { id: string; model: string; checkpoint: string; threshold: number; otsuThresholdDb?: number };
  waterAreaKm2: number;
  validAreaKm2: number;
  /** Water area / valid area (0 when nothing is valid). */
  waterFraction: number;
  waterPixels: number;
  validPixels: number;
  width: number;
  height: number;
  epsg: number;
  geoTransform: number[];
  /** COG tiles (256²) at full resolution. */
  tiles: number;
  /** Model windows (passes through the net). */
  windows: number;
  window: number;
  overlap: number;
  /** Wall-clock seconds of the run (prediction + assembly); for merged shards, the slowest shard plus the merge. */
  seconds: number;
  backend: string;
  workers: number;
  shards: number;
  files: { mask: string; probabilities: string | null; summary: string; vectors?: { gpkg?: string; geojson?: string } };
  /** Present when polygons were asked for (`--vector`): features written, their true area, and the options. */
  vector?: { features: number; droppedFeatures: number; polygonAreaKm2: number; vertices: number; minPixels: number; simplify: number };
}

export interface MergeRequest {
  partDirs: string[];
  outDir: string;
  /** performance.now() when the whole run started (same thread); default: slowest part + merge time. */
  startedAt?: number;
  workers?: number;
  shards?: number;
  /** Water polygons of the finished mask (a sharded run vectorises once, here). */
  vector?: Partial<VectorOptions> & Pick<VectorOptions, 'formats'>;
}

async function readParts(dirs: readonly string[]): Promise<{ part: ScenePart; dir: string; file: string }[]> {
  const parts = [];
  for (const dir of dirs) {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (error) {
      throw new Error(`${dir}: cannot list the part folder (${(error as Error).message})`);
    }
    const outputs = await readCompletedOutputs(dir);
    if (!outputs.complete)
      throw new Error(`part folder ${dir} is incomplete, its shard did not finish (or was changed since): ${outputs.problems.join('; ')}`);
    const listed = new Set(outputs.files.map((f) => f.name));
    for (const name of names.filter(isPartManifest)) {
      const file = join(dir, name);
      if (!listed.has(name))
        throw new Error(
          `${file} is not listed by ${dir}'s completion manifest: its part did not finish, or two shards wrote one folder (give each shard its own --out)`,
        );
      const parsed = ScenePartSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
      if (!parsed.success) throw new Error(`${file}: not a scene part (${parsed.error.issues[0]?.message})`);
      parts.push({ part: parsed.data, dir, file });
    }
  }
  if (parts.length === 0)
    throw new Error(`no scene parts (*.part-*.json) in ${dirs.join(', ')}: the shards have not finished, or the folders are wrong`);
  return parts;
}

/** Parts must come from one scene, one run and one plan, and cover every tile row exactly once. */
function checkParts(parts: { part: ScenePart; file: string }[]): void {
  const first = parts[0];
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  for (const { part, file } of parts.slice(1)) {
    const what =
      !same(part.scene.geoTransform, first.part.scene.geoTransform) ||
      part.scene.width !== first.part.scene.width ||
      part.scene.height !== first.part.scene.height ||
      part.scene.epsg !== first.part.scene.epsg
        ? 'scene grid'
        : part.run.id !== first.part.run.id ||
            part.run.checkpoint !== first.part.run.checkpoint ||
            part.run.otsuThresholdDb !== first.part.run.otsuThresholdDb
          ? 'run'
          : !same(part.plan, first.part.plan)
            ? 'window plan'
            : part.probabilities !== first.part.probabilities
              ? '--probabilities'
              : part.stem !== first.part.stem
                ? 'scene name'
                : null;
    if (what) throw new Error(`${file} differs from ${first.file} in its ${what}: parts of different predictions cannot be merged`);
  }
  const tileRows = first.part.plan.tileRows;
  let next = 0;
  for (const { part, file } of parts) {
    if (part.rows[0] < next)
      throw new Error(`${file} overlaps another part (tile rows ${part.rows[0]}..${part.rows[1]}, already have up to ${next})`);
    if (part.rows[0] > next)
      throw new Error(`tile rows ${next}..${part.rows[0]} of ${tileRows} are missing: a shard has not finished or was not given`);
    next = part.rows[1];
  }
  if (next !== tileRows)
    throw new Error(`tile rows ${next}..${tileRows} of ${tileRows} are missing: a shard has not finished or was not given`);
}

export async function mergeSceneParts(request: MergeRequest, context?: JobContext): Promise<SceneSummary> {
  const started = performance.now();
  const parts = (await readParts(request.partDirs.map((d) => resolve(d)))).sort((a, b) => a.part.rows[0] - b.part.rows[0]);
  checkParts(parts);
  const { part: first } = parts[0];
  const { scene, plan, stem } = first;
  const outDir = resolve(request.outDir);
  await mkdir(outDir, { recursive: true });
  await beginOutputs(outDir);
  const files = {
    mask: join(outDir, `${stem}_mask.tif`),
    probabilities: first.probabilities ? join(outDir, `${stem}_prob.tif`) : null,
    summary: join(outDir, `${stem}_summary.json`),
  };
  const metadata = {
    FLOODLENS_RUN: first.run.id,
    FLOODLENS_MODEL: first.run.model,
    FLOODLENS_CHECKPOINT: first.run.checkpoint,
    FLOODLENS_THRESHOLD:
      first.run.otsuThresholdDb === undefined ? String(first.run.threshold) : `Otsu ${first.run.otsuThresholdDb} dB (whole scene)`,
    FLOODLENS_SCENE: scene.path,
    FLOODLENS_WINDOW: `${plan.window} px, overlap ${2 * plan.margin} px (centre ${plan.core} px kept)`,
  };
  const grid = {
    width: scene.width,
    height: scene.height,
    epsg: scene.epsg,
    geoTransform: scene.geoTransform,
    tileSize: plan.tileSize,
    metadata,
  };
  const mask = await StreamingCogWriter.create(files.mask, {
    ...grid,
    dtype: 'uint8',
    nodata: MASK_NODATA,
    palette: MASK_PALETTE,
    resampling: 'nearest',
    descriptions: ['water mask (1 water, 0 not water, 255 no data)'],
  });
  const probabilities = files.probabilities
    ? await StreamingCogWriter.create(files.probabilities, {
        ...grid,
        dtype: 'float32',
        nodata: Number.NaN,
        resampling: 'average',
        descriptions: ['water probability'],
      })
    : null;
  const areas = new MaskAreaAccumulator({
    crs: { epsg: scene.epsg, proj4: scene.proj4, isGeographic: scene.isGeographic },
    geoTransform: scene.geoTransform,
    width: scene.width,
    height: scene.height,
  });
  try {
    for (const { part, dir } of parts) {
      const bin = partFileNames(dir, part.stem, part.rows).bin;
      const handle = await open(bin, 'r').catch((error) => {
        throw new Error(`${bin}: the part's data is missing (${(error as Error).message})`);
      });
      try {
        const read = async ([offset, length]: readonly [number, number]): Promise<Buffer> => {
          const buffer = Buffer.alloc(length);
          const { bytesRead } = await handle.read(buffer, 0, length, offset);
          if (bytesRead !== length) throw new Error(`${bin} is truncated`);
          return inflateSync(buffer);
        };
        for (const [k, record] of part.records.entries()) {
          const row = part.rows[0] + k;
          const maskRows = new Uint8Array(await read(record.mask));
          await mask.writeRows(maskRows);
          areas.add(maskRows, scene.width, row * plan.tileSize);
          if (probabilities && record.probabilities) {
            const bytes = await read(record.probabilities);
            await probabilities.writeRows(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4).slice());
          }
        }
      } finally {
        await handle.close();
      }
    }
    await mask.finish();
    await probabilities?.finish();
  } catch (error) {
    await mask.abort();
    await probabilities?.abort();
    throw error;
  }
  const area = areas.result();
  const vectors = request.vector
    ? await vectoriseMask({ maskPath: files.mask, outDir, stem, options: request.vector }, context ?? new LocalJobContext('merge'))
    : null;
  const summary: SceneSummary = {
    scene: scene.path,
    run: {
      id: first.run.id,
      model: first.run.model,
      checkpoint: first.run.checkpoint,
      threshold: first.run.threshold,
      ...(first.run.otsuThresholdDb === undefined ? {} : { otsuThresholdDb: first.run.otsuThresholdDb }),
    },
    waterAreaKm2: toKm2(area.waterAreaM2),
    validAreaKm2: toKm2(area.validAreaM2),
    waterFraction: area.validAreaM2 > 0 ? area.waterAreaM2 / area.validAreaM2 : 0,
    waterPixels: area.waterPixels,
    validPixels: area.validPixels,
    width: scene.width,
    height: scene.height,
    epsg: scene.epsg,
    geoTransform: [...scene.geoTransform],
    tiles: plan.tileRows * plan.tileCols,
    windows: parts.reduce((sum, p) => sum + p.part.windows, 0),
    window: plan.window,
    overlap: 2 * plan.margin,
    seconds:
      request.startedAt !== undefined
        ? (performance.now() - request.startedAt) / 1000
        : Math.max(...parts.map((p) => p.part.seconds)) + (performance.now() - started) / 1000,
    backend: first.backend,
    workers: request.workers ?? parts.length,
    shards: request.shards ?? new Set(parts.map((p) => p.dir)).size,
    files: vectors ? { ...files, vectors: vectors.files } : files,
    ...(vectors && request.vector
      ? {
          vector: {
            features: vectors.features,
            droppedFeatures: vectors.droppedFeatures,
            polygonAreaKm2: vectors.featureAreaKm2,
            vertices: vectors.vertices,
            minPixels: request.vector.minPixels ?? 1,
            simplify: request.vector.simplify ?? 0,
          },
        }
      : {}),
  };
  await writeJsonAtomic(files.summary, summary);
  const names = [files.mask, files.probabilities, files.summary, vectors?.files.gpkg ?? null, vectors?.files.geojson ?? null]
    .filter((file) => file !== null)
    .map((file) => relative(outDir, file));
  await completeOutputs(outDir, names, 'scene', { run: first.run.id, scene: scene.path, shards: summary.shards });
  return summary;
}
