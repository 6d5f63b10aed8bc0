/**
 * Every model predicts scenes in windows: the Clay heads (clay-decoder, linear-probe) through their real
 * (tiny) Clay encoders, and the Otsu baseline with one scene-wide threshold. The judge of tiling is the
 * engine's own whole-chip prediction of the same real chip (embedded and decoded whole, as evaluate does).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromFile } from 'geotiff';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChipInfo } from '../../src-main/api/dataset.ts';
import { inspectDataset } from '../../src-main/engine/dataset/inspect.ts';
import type { RunRecord } from '../../src-main/api/run.ts';
import { runJob } from '../../src-main/engine/jobs/worker-host.ts';
import { LocalJobContext } from '../../src-main/engine/compute/job-context.ts';
import { predictScenePart, type ScenePartRequest } from '../../src-main/engine/scene/predict-part.ts';
import { mergeSceneParts } from '../../src-main/engine/scene/merge-parts.ts';
import { completeScenePartFolder } from '../../src-main/engine/scene/scene-part.ts';
import { openSceneInfo } from '../../src-main/engine/scene/scene-source.ts';
import { scenePlanFor } from '../../src-main/engine/scene/window-model.ts';
import { openTrainedRun } from '../../src-main/engine/run/trained-run.ts';
import { otsuThreshold } from '../../src-main/engine/models/otsu.ts';
import { hasShared, reportSkippedWithoutShared, sharedData, sharedFixture } from '../helpers/shared.ts';
import { buildChipMosaic } from '../helpers/scene-mosaic.ts';
import { writeOtsuRun, writeSeededHeadRun } from '../helpers/seeded-run.ts';

reportSkippedWithoutShared('scene prediction with Clay heads and Otsu');

const CHIP = 'Ghana_97059';
const work = mkdtempSync(join(tmpdir(), 'floodlens-scene-encoders-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function readBand(file: string): Promise<Float32Array | Uint8Array> {
  const tiff = await fromFile(file);
  const [values] = (await (await tiff.getImage()).readRasters({ interleave: false })) as unknown as (Float32Array | Uint8Array)[];
  await tiff.close();
  return values;
}

/** One part over every tile row, merged: the whole pipeline on one worker, in this process (no worker start-up). */
async function sceneInProcess(request: Omit<ScenePartRequest, 'partDir' | 'rows'>, outDir: string) {
  const partDir = join(outDir, 'parts');
  const record = JSON.parse(readFileSync(join(request.runDir, 'run.json'), 'utf8')) as RunRecord;
  const info = await openSceneInfo(request.scene);
  const plan = scenePlanFor(record, info.width, info.height, request.window, request.overlap);
  const part = await predictScenePart({ ...request, partDir, rows: [0, plan.tileRows] }, new LocalJobContext('test'));
  await completeScenePartFolder(partDir, [part.manifest], {});
  return mergeSceneParts({ partDirs: [partDir], outDir });
}

/** The engine's whole-chip prediction (the chip embedded whole, the head on its whole grid). */
async function wholeChip(runDir: string, chip: ChipInfo) {
  const run = await openTrainedRun(runDir, [chip], 'best');
  try {
    return await run.predictor.predict(await run.source.load(chip));
  } finally {
    run.predictor.dispose();
  }
}

function compareInterior(tiled: Float32Array, whole: Float32Array, size: number, border: number) {
  let maxInterior = 0;
  for (let y = border; y < size - border; y++)
    for (let x = border; x < size - border; x++) maxInterior = Math.max(maxInterior, Math.abs(tiled[y * size + x] - whole[y * size + x]));
  const spread = whole.reduce((m, v) => Math.max(m, v), 0) - whole.reduce((m, v) => Math.min(m, v), 1);
  return { maxInterior, spread };
}

describe.skipIf(!hasShared)('Clay heads and Otsu predict a real chip as a scene, in windows', () => {
  const scene = sharedData('sen1floods11', 's1_label', `${CHIP}_S1Hand.tif`);
  let chip: ChipInfo;

  beforeAll(async () => {
    const data = join(work, 's1_label');
    mkdirSync(data);
    for (const kind of ['S1Hand', 'LabelHand'])
      symlinkSync(sharedData('sen1floods11', 's1_label', `${CHIP}_${kind}.tif`), join(data, `${CHIP}_${kind}.tif`));
    chip = (await inspectDataset(data)).chips.find((c) => c.id === CHIP)!;
  }, 60_000);

  it('clay-decoder on Clay v1.5 (256² encoder tiles): tiled = whole chip away from the border, no seam; 1 and 2 workers give the same bytes', async () => {
    const encoder = sharedFixture('clay-v1.5', 'clay-v1.5-tiny.ckpt');
    const runDir = await writeSeededHeadRun(join(work, 'runs', 'decoder-v15'), {
      kind: 'clay-decoder',
      encoder,
      version: 'v1.5',
      channels: 64,
      patch: 8,
    });
    const request = { runDir, scene, probabilities: true, date: chip.date! };
    const one = await sceneInProcess(request, join(work, 'v15-one'));
    const two = (await runJob('scene.predict', { ...request, outDir: join(work, 'v15-two'), workers: 2 })).summary!;
    expect(two).toMatchObject({
      width: 512,
      height: 512,
      window: 768,
      overlap: 512,
      windows: 4,
      workers: 2,
      run: { model: 'clay-decoder' },
    });
    expect(readFileSync(two.files.mask).equals(readFileSync(one.files.mask))).toBe(true);
    expect(readFileSync(two.files.probabilities!).equals(readFileSync(one.files.probabilities!))).toBe(true);

    const tiled = (await readBand(one.files.probabilities!)) as Float32Array;
    const whole = (await wholeChip(runDir, chip)).probabilities;
    // Within ~1 patch of the chip's edge the whole-chip head sees zero padding, the scene a reflected tile.
    const { maxInterior, spread } = compareInterior(tiled, whole, 512, 32);
    expect(maxInterior).toBeLessThan(1e-5);
    expect(spread).toBeGreaterThan(1e-3); // not two constants
    // Across the encoder-tile boundary (rows/columns 255|256, where the two workers meet) the step is the whole chip's.
    for (let k = 32; k < 480; k += 5) {
      for (const [a, b] of [
        [256 * 512 + k, 255 * 512 + k],
        [k * 512 + 256, k * 512 + 255],
      ])
        expect(Math.abs(tiled[a] - tiled[b] - (whole[a] - whole[b]))).toBeLessThan(1e-5);
    }
  }, 600_000);

  it('linear-probe on Clay v1.5: tiled = whole chip away from the border', async () => {
    const runDir = await writeSeededHeadRun(join(work, 'runs', 'probe-v15'), {
      kind: 'linear-probe',
      encoder: sharedFixture('clay-v1.5', 'clay-v1.5-tiny.ckpt'),
      version: 'v1.5',
      channels: 64,
      patch: 8,
    });
    const result = await runJob('scene.predict', {
      runDir,
      scene,
      probabilities: true,
      date: chip.date!,
      outDir: join(work, 'probe'),
      workers: 1,
    });
    const tiled = (await readBand(result.summary!.files.probabilities!)) as Float32Array;
    const { maxInterior, spread } = compareInterior(tiled, (await wholeChip(runDir, chip)).probabilities, 512, 16);
    expect(maxInterior).toBeLessThan(1e-5);
    expect(spread).toBeGreaterThan(1e-3);
  }, 600_000);

  it('clay-decoder on Clay v0 (whole 512² chips as tiles): tiled = whole chip away from the border', async () => {
    const runDir = await writeSeededHeadRun(join(work, 'runs', 'decoder-v0'), {
      kind: 'clay-decoder',
      encoder: sharedFixture('clay-v0', 'clay-v0-tiny.ckpt'),
      version: 'v0',
      channels: 384,
      patch: 32,
    });
    const result = await runJob('scene.predict', {
      runDir,
      scene,
      probabilities: true,
      date: chip.date!,
      outDir: join(work, 'v0'),
      workers: 1,
    });
    expect(result.summary).toMatchObject({ window: 1536, windows: 1 });
    const tiled = (await readBand(result.summary!.files.probabilities!)) as Float32Array;
    const { maxInterior, spread } = compareInterior(tiled, (await wholeChip(runDir, chip)).probabilities, 512, 64);
    expect(maxInterior).toBeLessThan(1e-5);
    expect(spread).toBeGreaterThan(1e-3);
  }, 600_000);

  it('a head whose encoder file is of another version is refused, naming the file', async () => {
    const encoder = sharedFixture('clay-v0', 'clay-v0-tiny.ckpt');
    const runDir = await writeSeededHeadRun(join(work, 'runs', 'wrong-encoder'), {
      kind: 'clay-decoder',
      encoder,
      version: 'v1.5',
      channels: 64,
      patch: 8,
    });
    await expect(sceneInProcess({ runDir, scene, probabilities: false }, join(work, 'wrong'))).rejects.toThrow(
      `${encoder} is a Clay v0 encoder; run`,
    );
  }, 300_000);

  it('otsu: one threshold over the whole scene; on a chip it is the chip baseline’s threshold and mask', async () => {
    const runDir = writeOtsuRun(join(work, 'runs', 'otsu'), 'VH');
    const result = await sceneInProcess({ runDir, scene, probabilities: true }, join(work, 'otsu'));
    const run = await openTrainedRun(runDir, [chip], 'best');
    const sample = await run.source.load(chip);
    const baseline = await run.predictor.predict(sample);
    expect(result.run.otsuThresholdDb).toBe(otsuThreshold(sample.input, sample.inputValid));
    const mask = (await readBand(result.files.mask)) as Uint8Array;
    expect(mask.every((v, i) => v === baseline.mask[i])).toBe(true);
    expect(mask.some((v) => v === 1) && mask.some((v) => v === 0)).toBe(true);
  }, 300_000);

  it('otsu on an odd-sized mosaic of real chips, 2 workers: one threshold, that of all its VH values, and the mask is its rule everywhere', async () => {
    const mosaic = join(work, 'mosaic-533x301.tif');
    buildChipMosaic(mosaic, { width: 533, height: 301 });
    const runDir = writeOtsuRun(join(work, 'runs', 'otsu-mosaic'), 'VH');
    const two = (await runJob('scene.predict', { runDir, scene: mosaic, probabilities: false, outDir: join(work, 'otsu-two'), workers: 2 }))
      .summary!;
    expect(two.workers).toBe(2);
    const tiff = await fromFile(mosaic);
    const [, vh] = (await (await tiff.getImage()).readRasters({ interleave: false })) as unknown as Float32Array[];
    await tiff.close();
    const include = Uint8Array.from(vh, (v) => (Number.isNaN(v) ? 0 : 1));
    expect(two.run.otsuThresholdDb).toBe(otsuThreshold(vh, include));
    const mask = (await readBand(two.files.mask)) as Uint8Array;
    const t = two.run.otsuThresholdDb!;
    expect(mask.every((v, i) => (include[i] ? v === (vh[i] <= t ? 1 : 0) : v === 255))).toBe(true);
  }, 300_000);
});
