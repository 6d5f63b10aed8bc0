import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src-main/engine/compute/backend.ts';
import { createScratchNet } from '../../src-main/engine/models/scratch-net.ts';
import { LocalJobContext } from '../../src-main/engine/compute/job-context.ts';
import { predictRun } from '../../src-main/engine/prediction/predict-run.ts';
import { openSceneInfo, reflectIndex } from '../../src-main/engine/scene/scene-source.ts';
import { runCli } from '../../src-main/cli/main.ts';
import { hasShared, reportSkippedWithoutShared, sharedData } from '../helpers/shared.ts';
import { writeSeededScratchRun } from '../helpers/seeded-run.ts';

const work = mkdtempSync(join(tmpdir(), 'floodlens-scene-inputs-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
reportSkippedWithoutShared('scene inputs');

describe('odd sizes and chip sizes', () => {
  it('the scratch net gives an output of its input size for odd sides (395×359, 63×63, 17×16)', async () => {
    await initBackend();
    const net = createScratchNet(2, { seed: 3 });
    for (const [h, w] of [
      [359, 395],
      [63, 63],
      [17, 16],
    ]) {
      const logits = tf.tidy(() => net.logits(tf.randomNormal([1, h, w, 2], 0, 1, 'float32', 1) as tf.Tensor4D));
      expect(logits.shape).toEqual([1, h, w, 1]);
      expect(Array.from(await logits.data()).every(Number.isFinite)).toBe(true);
      logits.dispose();
    }
    net.dispose();
  }, 300_000);

  it('--chip-size 1 and 63.5 are usage errors (exit 2) before any job starts', async () => {
    for (const size of ['1', '15', '63.5']) {
      let stderr = '';
      const code = await runCli(['train', '--data', work, '--model', 'scratch', '--out', join(work, `r${size}`), '--chip-size', size], {
        stdout: () => undefined,
        stderr: (t) => (stderr += t),
      });
      expect(code).toBe(2);
      expect(stderr).toMatch(/chip-size|chipSize/);
    }
  });

  it('reflect padding mirrors without repeating the edge, also for windows wider than the scene', () => {
    expect([-2, -1, 0, 1, 2, 3, 4, 5].map((i) => reflectIndex(i, 4))).toEqual([2, 1, 0, 1, 2, 3, 2, 1]);
    expect([-3, 0, 7].map((i) => reflectIndex(i, 1))).toEqual([0, 0, 0]);
    expect(reflectIndex(-7, 3)).toBe(1);
  });
});

describe.skipIf(!hasShared)('scene and chip inputs that cannot be placed', () => {
  const chip = sharedData('sen1floods11', 's1_label', 'Ghana_97059_S1Hand.tif');

  it('a scene without georeference, a rotated geographic grid and unnamed bands are refused naming the file', async () => {
    const bare = join(work, 'bare.tif');
    execFileSync('gdal_translate', ['-q', '-co', 'PROFILE=BASELINE', chip, bare]);
    await expect(openSceneInfo(bare)).rejects.toThrow(/bare\.tif: has no georeference/);
    const rotated = join(work, 'rotated.vrt');
    execFileSync('gdal_translate', ['-q', '-of', 'VRT', chip, rotated]);
    writeFileSync(
      rotated,
      readFileSync(rotated, 'utf8').replace(
        /<GeoTransform>[^<]*<\/GeoTransform>/,
        '<GeoTransform>-1.6, 8.98e-5, 1e-6, 10.3, 1e-6, -8.98e-5</GeoTransform>',
      ),
    );
    const rotatedTif = join(work, 'rotated.tif');
    execFileSync('gdal_translate', ['-q', rotated, rotatedTif]);
    await expect(openSceneInfo(rotatedTif)).rejects.toThrow(/rotated\.tif: has a rotated or sheared geographic grid/);
    const unnamed = join(work, 'unnamed.tif');
    execFileSync('gdal_translate', ['-q', '-co', 'PROFILE=GeoTIFF', chip, unnamed]);
    await expect(openSceneInfo(unnamed)).rejects.toThrow(/unnamed\.tif: none of its 2 band\(s\) is named.*--bands/);
    const named = await openSceneInfo(unnamed, { bands: ['VV', 'VH'] });
    expect(named.bands.map((b) => b.name)).toEqual(['VV', 'VH']);
    expect(named.s1Units).toBe('dB');
  });

  it('predict on a folder skips a chip without CRS and a corrupt one, writes the rest; fails only when nothing was written', async () => {
    const data = join(work, 'folder');
    mkdirSync(data);
    copyFileSync(chip, join(data, 'Ghana_97059_S1Hand.tif'));
    execFileSync('gdal_translate', [
      '-q',
      '-co',
      'PROFILE=BASELINE',
      sharedData('sen1floods11', 's1_label', 'India_900498_S1Hand.tif'),
      join(data, 'India_900498_S1Hand.tif'),
    ]);
    const corrupt = readFileSync(sharedData('sen1floods11', 's1_label', 'Mekong_333434_S1Hand.tif')).subarray(0, 20_000);
    writeFileSync(join(data, 'Mekong_333434_S1Hand.tif'), corrupt);
    const runDir = await writeSeededScratchRun(join(work, 'run'), { chipSize: 64 });
    const result = await predictRun(
      { runDir, dataDir: data, outDir: join(work, 'predicted'), probabilities: false },
      new LocalJobContext('t'),
    );
    expect(result.chips.map((c) => c.id)).toEqual(['Ghana_97059']);
    const reasons = Object.fromEntries(result.skipped.map((s) => [s.id, s.reason]));
    expect(Object.keys(reasons).sort()).toEqual(['India_900498', 'Mekong_333434']);
    expect(reasons.India_900498).toMatch(/no CRS|georeference|geotransform/i);

    rmSync(join(data, 'Ghana_97059_S1Hand.tif'));
    await expect(
      predictRun({ runDir, dataDir: data, outDir: join(work, 'predicted2'), probabilities: false }, new LocalJobContext('t')),
    ).rejects.toThrow(/nothing was written/);
  }, 600_000);
});
