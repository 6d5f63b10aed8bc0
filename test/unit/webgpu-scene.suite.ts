/**
 * Tiled scene prediction on WebGPU against wasm, on a small odd-sized scene of real Sen1Floods11 chips: the webgpu
 * prediction runs in this process (its device has compiled the scratch net's shaders already), the wasm one in a
 * job worker thread started with FLOODLENS_BACKEND=wasm. Probabilities agree to float32 noise; the masks are equal
 * except where a probability lies within that noise of the run's threshold (counted and reported). The seeded net's
 * probabilities span a narrow band around 0.5, so the threshold is set to their median: half the pixels are water.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromFile } from 'geotiff';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../src-main/engine/compute/backend.ts';
import { LocalJobContext } from '../../src-main/engine/compute/job-context.ts';
import { runJob } from '../../src-main/engine/jobs/worker-host.ts';
import { predictScenePart } from '../../src-main/engine/scene/predict-part.ts';
import { mergeSceneParts } from '../../src-main/engine/scene/merge-parts.ts';
import { completeScenePartFolder } from '../../src-main/engine/scene/scene-part.ts';
import { hasShared, reportSkippedWithoutShared } from '../helpers/shared.ts';
import { buildChipMosaic } from '../helpers/scene-mosaic.ts';
import { writeSeededScratchRun } from '../helpers/seeded-run.ts';

async function readBand(file: string): Promise<Float32Array | Uint8Array> {
  const tiff = await fromFile(file);
  const [values] = (await (await tiff.getImage()).readRasters({ interleave: false })) as unknown as (Float32Array | Uint8Array)[];
  await tiff.close();
  return values;
}

/** Scene of `width`×`height` px (2×2 real chips cut to 24²), windows of 32 px with 16 px of overlap. */
export function describeSceneOnWebGpu(work: string, skip: boolean, width = 47, height = 37): void {
  reportSkippedWithoutShared('scene prediction on webgpu');
  describe.skipIf(!hasShared || skip)(`tiled scene prediction on webgpu equals wasm (${width}×${height} scene of real chips)`, () => {
    it('same probabilities to float32 noise; masks equal except pixels within that noise of the threshold', async () => {
      const info = await initBackend();
      expect(info.backend).toBe('webgpu');
      const scene = join(work, `scene-${width}x${height}.tif`);
      buildChipMosaic(scene, { width, height, chip: 24 });
      const runDir = await writeSeededScratchRun(join(work, 'scene-run'), { chipSize: 32 });
      const options = { runDir, scene, probabilities: true, window: 32, overlap: 16 };
      const onWasm = async (outDir: string) => {
        const saved = process.env.FLOODLENS_BACKEND;
        process.env.FLOODLENS_BACKEND = 'wasm'; // a worker thread takes the environment it is started with
        try {
          const { summary } = await runJob('scene.predict', { ...options, outDir, workers: 1 });
          return summary!;
        } finally {
          process.env.FLOODLENS_BACKEND = saved;
        }
      };

      // a threshold inside the seeded net's narrow band of probabilities: their median on wasm
      const first = await readBand((await onWasm(join(work, 'wasm-0'))).files.probabilities!);
      const valid = [...first].filter((p) => !Number.isNaN(p)).sort((a, b) => a - b);
      expect(valid.length).toBeGreaterThan(0.5 * width * height);
      const threshold = valid[valid.length >> 1];
      expect(valid.at(-1)! - valid[0], 'the probabilities are not one constant').toBeGreaterThan(1e-4);
      const runJson = join(runDir, 'run.json');
      const record = JSON.parse(readFileSync(runJson, 'utf8')) as { config: { threshold?: number } };
      record.config.threshold = threshold;
      writeFileSync(runJson, JSON.stringify(record, null, 2));

      const wasm = await onWasm(join(work, 'wasm'));
      const partDir = join(work, 'webgpu-part');
      const part = await predictScenePart({ ...options, partDir, rows: [0, Math.ceil(height / 256)] }, new LocalJobContext('scene-webgpu'));
      await completeScenePartFolder(partDir, [part.manifest], {});
      const gpu = await mergeSceneParts({ partDirs: [partDir], outDir: join(work, 'webgpu') });
      expect(part.windows).toBe(Math.ceil(width / 16) * Math.ceil(height / 16));

      const [pw, pg] = [await readBand(wasm.files.probabilities!), await readBand(gpu.files.probabilities!)];
      const [mw, mg] = [await readBand(wasm.files.mask), await readBand(gpu.files.mask)];
      let noise = 0;
      for (let i = 0; i < pw.length; i++) {
        expect(Number.isNaN(pg[i]), `pixel ${i}: nodata on one backend only`).toBe(Number.isNaN(pw[i]));
        if (!Number.isNaN(pw[i])) noise = Math.max(noise, Math.abs(pg[i] - pw[i]));
      }
      let differ = 0;
      let nearThreshold = 0;
      for (let i = 0; i < mw.length; i++) {
        const near = Math.abs(pw[i] - threshold) <= noise;
        if (near) nearThreshold++;
        if (mw[i] !== mg[i]) {
          differ++;
          expect(near, `pixel ${i}: masks differ though p = ${pw[i]} is ${Math.abs(pw[i] - threshold)} from the threshold`).toBe(true);
        }
      }
      console.log(
        `[scene webgpu vs wasm] ${width}×${height}, ${part.windows} windows: max |Δp| ${noise.toExponential(2)}, ` +
          `mask pixels differing ${differ} (within |Δp| of the threshold: ${nearThreshold}); water ${gpu.waterPixels} vs ${wasm.waterPixels}`,
      );
      expect(noise).toBeLessThan(1e-5);
      expect(differ).toBeLessThanOrEqual(nearThreshold);
      expect(gpu.waterPixels).toBeGreaterThan(0);
    });
  });
}
