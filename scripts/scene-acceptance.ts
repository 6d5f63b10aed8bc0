/**
 * Issue 9's "done when", on a scene of several thousand px made of real chips, for every model, from the CLI:
 *   npx tsx scripts/scene-acceptance.ts [--size 3001x2049] [--workers 2] [--models scratch,clay-decoder,linear-probe,otsu]
 * For each model: `predict --scene` with probabilities and polygons; GDAL's COG validator on the mask and the
 * probabilities; the mask on the scene's exact grid (gdalinfo); the polygons' area against the mask's water area
 * and their count against gdal_polygonize (test/helpers/vector_judge.py); then `--shard 0/2`, `--shard 1/2` and
 * `merge`, pixel for pixel against the single run. Needs ../shared (real chips, tiny Clay v1.5) and GDAL.
 * Prints one line `SCENE-ACCEPTANCE-JSON {…}`; exits 1 when any check fails.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SceneSummarySchema, type SceneSummaryRecord } from '../src-main/api/scene.ts';
import { readBands } from '../src-main/engine/geo/geotiff-file.ts';
import { buildChipMosaic } from '../test/helpers/scene-mosaic.ts';
import { writeOtsuRun, writeSeededHeadRun } from '../test/helpers/seeded-run.ts';
import { sharedFixture } from '../test/helpers/shared.ts';
import { SYSTEM_PYTHON } from '../test/helpers/references.ts';
import { judgeVectors } from '../test/helpers/vector-judge.ts';
import { runToEnd } from '../test/robustness/kill-scenarios.ts';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '3001x2049' },
    workers: { type: 'string', default: '2' },
    models: { type: 'string', default: 'scratch,clay-decoder,linear-probe,otsu' },
  },
});
const [width, height] = values.size!.split('x').map(Number);
const work = mkdtempSync(join(tmpdir(), 'floodlens-scene-acceptance-'));
const DATE = '2018-09-18';

async function cli(args: string[]): Promise<void> {
  const run = await runToEnd(args, 3_600_000);
  if (run.code !== 0) throw new Error(`floodlens ${args.join(' ')} exited ${run.code}:\n${run.stderr.slice(-2000)}`);
}

function gdalInfo(file: string): { size: number[]; geoTransform: number[]; coordinateSystem: { wkt: string } } {
  return JSON.parse(execFileSync('gdalinfo', ['-json', file], { encoding: 'utf8', maxBuffer: 64 << 20 }));
}

function validCog(file: string): boolean {
  try {
    execFileSync(SYSTEM_PYTHON, ['-m', 'osgeo_utils.samples.validate_cloud_optimized_geotiff', '-q', file]);
    return true;
  } catch {
    return false;
  }
}

async function sameMask(a: string, b: string): Promise<number> {
  const [left] = await readBands(a);
  const [right] = await readBands(b);
  let differing = 0;
  for (let i = 0; i < left.length; i++) if (left[i] !== right[i]) differing++;
  return left.length === right.length ? differing : Number.POSITIVE_INFINITY;
}

/** A run of each kind: the scratch net trained briefly on the demo; Clay v1.5 tiny heads seeded; Otsu on VH. */
async function runOf(model: string): Promise<string> {
  const dir = join(work, 'runs', model);
  if (model === 'otsu') return writeOtsuRun(dir, 'VH');
  if (model === 'scratch') {
    await cli([
      'train',
      '--data',
      'resources/demo',
      '--model',
      'scratch',
      '--out',
      dir,
      '--epochs',
      '2',
      '--chip-size',
      '128',
      '--seed',
      '1',
    ]);
    return dir;
  }
  const head = { encoder: sharedFixture('clay-v1.5', 'clay-v1.5-tiny.ckpt'), version: 'v1.5', channels: 64, patch: 8 } as const;
  const kind = model as 'clay-decoder' | 'linear-probe';
  return writeSeededHeadRun(dir, { ...head, kind, threshold: kind === 'clay-decoder' ? 0.4 : 0.6 });
}

const scene = join(work, `mosaic-${width}x${height}.tif`);
buildChipMosaic(scene, { width, height });
const sceneGrid = gdalInfo(scene);
const results: Record<string, unknown>[] = [];
let ok = true;
try {
  for (const model of values.models!.split(',')) {
    const runDir = await runOf(model);
    const predict = (out: string, extra: string[]) =>
      cli(['predict', '--run', runDir, '--scene', scene, '--out', out, '--date', DATE, '--workers', values.workers!, ...extra]);
    const single = join(work, model, 'single');
    const started = performance.now();
    await predict(single, ['--probabilities', '--vector', 'gpkg,geojson']);
    const wall = (performance.now() - started) / 1000;
    const stem = `mosaic-${width}x${height}`;
    const summary: SceneSummaryRecord = SceneSummarySchema.parse(JSON.parse(readFileSync(join(single, `${stem}_summary.json`), 'utf8')));
    const maskGrid = gdalInfo(summary.files.mask);
    const judged = judgeVectors(summary.files.mask, 1, [summary.files.vectors!.gpkg!, summary.files.vectors!.geojson!]);
    const gpkg = judged.files[summary.files.vectors!.gpkg!];
    const polygonAreaError = judged.maskWaterM2 > 0 ? Math.abs(gpkg.areaM2 - judged.maskWaterM2) / judged.maskWaterM2 : 0;
    const kmError = judged.maskWaterM2 > 0 ? Math.abs(summary.waterAreaKm2 * 1e6 - judged.maskWaterM2) / judged.maskWaterM2 : 0;
    const parts = [1, 2].map((i) => join(work, model, `part-${i}`));
    for (const [i, part] of parts.entries()) await predict(part, ['--shard', `${i}/2`]);
    const merged = join(work, model, 'merged');
    await cli(['merge', '--out', merged, ...parts]);
    const shardPixelsDiffering = await sameMask(join(merged, `${stem}_mask.tif`), summary.files.mask);
    const checks = {
      maskCog: validCog(summary.files.mask),
      probabilitiesCog: validCog(summary.files.probabilities!),
      sameGrid:
        maskGrid.size.join() === sceneGrid.size.join() &&
        maskGrid.geoTransform.join() === sceneGrid.geoTransform.join() &&
        maskGrid.coordinateSystem.wkt === sceneGrid.coordinateSystem.wkt,
      mixedMask: summary.waterPixels > 0 && summary.waterPixels < summary.validPixels,
      polygonAreaWithin1Percent: polygonAreaError <= 0.01,
      summaryKm2Within01Percent: kmError <= 0.001,
      shardsEqualOneRun: shardPixelsDiffering === 0,
    };
    ok &&= Object.values(checks).every(Boolean);
    const row = {
      model,
      checks,
      waterAreaKm2: summary.waterAreaKm2,
      waterFraction: summary.waterFraction,
      polygonAreaError,
      features: gpkg.features,
      gdalPolygons: judged.gdalPolygons,
      engineSeconds: summary.seconds,
      wallSeconds: Number(wall.toFixed(1)),
      mpxPerSecond: Number(((width * height) / 1e6 / summary.seconds).toFixed(4)),
      backend: summary.backend,
      workers: summary.workers,
    };
    results.push(row);
    console.log(JSON.stringify(row));
  }
} catch (error) {
  ok = false;
  console.error((error as Error).message);
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log(`SCENE-ACCEPTANCE-JSON ${JSON.stringify({ width, height, ok, results })}`);
process.exitCode = ok ? 0 : 1;
