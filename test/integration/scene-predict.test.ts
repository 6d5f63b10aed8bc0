import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromFile } from 'geotiff';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SceneSummarySchema } from '../../src-main/api/scene.ts';
import { runJob } from '../../src-main/engine/jobs/worker-host.ts';
import { LocalJobContext } from '../../src-main/engine/compute/job-context.ts';
import { predictScenePart } from '../../src-main/engine/scene/predict-part.ts';
import { mergeSceneParts } from '../../src-main/engine/scene/merge-parts.ts';
import { completeScenePartFolder } from '../../src-main/engine/scene/scene-part.ts';
import { openTrainedRun } from '../../src-main/engine/run/trained-run.ts';
import { openSceneInfo, SceneReader } from '../../src-main/engine/scene/scene-source.ts';
import { normalisePixels } from '../../src-main/engine/inputs/input-normalisation.ts';
import { toNhwc } from '../../src-main/engine/inputs/batches.ts';
import * as tf from '@tensorflow/tfjs';
import { hasShared, reportSkippedWithoutShared, sharedData } from '../helpers/shared.ts';
import { buildChipMosaic } from '../helpers/scene-mosaic.ts';
import { writeSeededScratchRun } from '../helpers/seeded-run.ts';

const work = mkdtempSync(join(tmpdir(), 'floodlens-scene-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
reportSkippedWithoutShared('scene prediction');

async function readBand(file: string): Promise<{ values: Float32Array | Uint8Array; width: number; height: number }> {
  const tiff = await fromFile(file);
  const image = await tiff.getImage();
  const [values] = (await image.readRasters({ interleave: false })) as unknown as (Float32Array | Uint8Array)[];
  const result = { values, width: image.getWidth(), height: image.getHeight() };
  await tiff.close();
  return result;
}

describe.skipIf(!hasShared)('tiled prediction equals whole-chip prediction away from the borders', () => {
  it('a 512² real chip, 256-px windows with 64 px of overlap: same probabilities, no seam at window boundaries', async () => {
    const runDir = await writeSeededScratchRun(join(work, 'run-256'), { chipSize: 256 });
    const chip = sharedData('sen1floods11', 's1_label', 'Ghana_97059_S1Hand.tif');
    const partDir = join(work, 'parts-chip');
    const context = new LocalJobContext('test');
    const part = await predictScenePart({ runDir, scene: chip, probabilities: true, partDir, rows: [0, 2], overlap: 64 }, context);
    await completeScenePartFolder(partDir, [part.manifest], {});
    const summary = await mergeSceneParts({ partDirs: [partDir], outDir: join(work, 'out-chip') });
    const tiled = (await readBand(summary.files.probabilities!)).values as Float32Array;

    // the whole chip in one pass through the same net
    const info = await openSceneInfo(chip);
    const reader = await SceneReader.open(info);
    const strip = await reader.readStrip(['VH', 'VV'], 0, 512);
    await reader.close();
    const run = await openTrainedRun(runDir, [], 'best');
    const normalisation = run.record.data.normalisation!;
    const pixels = normalisePixels(
      { width: 512, height: 512, bands: ['VH', 'VV'], pixels: strip.pixels, present: strip.present },
      ['VH', 'VV'],
      normalisation,
      info.s1Units,
    );
    const whole = tf.tidy(
      () =>
        tf.sigmoid(run.net!.logits(toNhwc([{ input: pixels, channels: 2, inputHeight: 512, inputWidth: 512 }]))).dataSync() as Float32Array,
    );
    run.net!.dispose();

    const border = 16; // the net's receptive field reaches ~10 px; zero padding differs from reflection there
    let maxInterior = 0;
    for (let y = border; y < 512 - border; y++) {
      for (let x = border; x < 512 - border; x++) maxInterior = Math.max(maxInterior, Math.abs(tiled[y * 512 + x] - whole[y * 512 + x]));
    }
    expect(maxInterior).toBeLessThan(1e-5);
    // across the window boundaries (cores of 192 px: columns/rows 191|192 and 383|384) the step is the image's, not a seam
    for (const edge of [192, 384]) {
      for (let y = border; y < 512 - border; y += 7) {
        const tiledStep = tiled[y * 512 + edge] - tiled[y * 512 + edge - 1];
        const wholeStep = whole[y * 512 + edge] - whole[y * 512 + edge - 1];
        expect(Math.abs(tiledStep - wholeStep)).toBeLessThan(1e-5);
      }
    }
    const spread = whole.reduce((m, v) => Math.max(m, v), 0) - whole.reduce((m, v) => Math.min(m, v), 1);
    expect(spread).toBeGreaterThan(1e-3); // the comparison is not between two constants
  }, 600_000);
});

describe.skipIf(!hasShared)('a scene of real chips (odd size, 533×301) → COG + summary; workers and shards agree', () => {
  const scene = join(work, 'scene-533x301.tif');
  let runDir: string;
  beforeAll(async () => {
    buildChipMosaic(scene, { width: 533, height: 301 });
    runDir = await writeSeededScratchRun(join(work, 'run-128'), { chipSize: 128 });
  }, 60_000);

  it('2 workers in one run and 2 shards (1 worker each) + merge give byte-identical COGs', async () => {
    const single = await runJob('scene.predict', { runDir, scene, outDir: join(work, 'one'), probabilities: true, workers: 2 });
    const summary = SceneSummarySchema.parse(JSON.parse(readFileSync(single.summary!.files.summary, 'utf8')));
    expect(summary).toMatchObject({ width: 533, height: 301, tiles: 6, workers: 2, window: 128, epsg: 4326, backend: expect.any(String) });
    expect(summary.validAreaKm2).toBeGreaterThan(0);
    expect(summary.waterFraction).toBeGreaterThanOrEqual(0);
    expect(summary.waterAreaKm2).toBeCloseTo(summary.validAreaKm2 * summary.waterFraction, 9);

    for (const index of [0, 1])
      await runJob('scene.predict', {
        runDir,
        scene,
        outDir: join(work, `shard${index}`),
        probabilities: true,
        workers: 1,
        shard: { index, count: 2 },
      });
    await expect(runJob('scene.merge', { partDirs: [join(work, 'shard0')], outDir: join(work, 'merged') })).rejects.toThrow(
      /tile rows 1\.\.2 of 2 are missing/,
    );
    const merged = await runJob('scene.merge', { partDirs: [join(work, 'shard0'), join(work, 'shard1')], outDir: join(work, 'merged') });
    expect(readFileSync(merged.files.mask).equals(readFileSync(single.summary!.files.mask))).toBe(true);
    expect(readFileSync(merged.files.probabilities!).equals(readFileSync(single.summary!.files.probabilities!))).toBe(true);
    expect(merged.waterAreaKm2).toBe(summary.waterAreaKm2);

    // GDAL is the judge: a valid COG on the scene's exact grid, palette, nodata 255, internal overviews
    const validate = (file: string) =>
      execFileSync('/usr/bin/python3', ['-m', 'osgeo_utils.samples.validate_cloud_optimized_geotiff', '--full-check=yes', file], {
        encoding: 'utf8',
      });
    expect(validate(merged.files.mask)).toMatch(/is a valid cloud optimized GeoTIFF/);
    expect(validate(merged.files.probabilities!)).toMatch(/is a valid cloud optimized GeoTIFF/);
    const maskInfo = JSON.parse(execFileSync('gdalinfo', ['-json', merged.files.mask], { encoding: 'utf8' }));
    const sceneInfo = JSON.parse(execFileSync('gdalinfo', ['-json', scene], { encoding: 'utf8' }));
    expect(maskInfo.size).toEqual([533, 301]);
    expect(maskInfo.geoTransform).toEqual(sceneInfo.geoTransform);
    expect(maskInfo.coordinateSystem.wkt).toEqual(sceneInfo.coordinateSystem.wkt);
    const band = maskInfo.bands[0];
    expect(band).toMatchObject({ type: 'Byte', noDataValue: 255, colorInterpretation: 'Palette', block: [256, 256] });
    expect(band.overviews.map((o: { size: number[] }) => o.size)).toEqual([
      [267, 151],
      [134, 76],
    ]);
    expect(maskInfo.metadata?.['IMAGE_STRUCTURE']?.COMPRESSION).toBe('DEFLATE');

    // the mask and the km² agree with GDAL's own reading of the file
    const mask = (await readBand(merged.files.mask)).values as Uint8Array;
    expect(mask.reduce((n, v) => n + (v === 1 ? 1 : 0), 0)).toBe(summary.waterPixels);
    expect(mask.reduce((n, v) => n + (v !== 255 ? 1 : 0), 0)).toBe(summary.validPixels);
  }, 900_000);
});
