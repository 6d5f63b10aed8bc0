/**
 * GPU failures beyond training chunks (issue 10), by injection: there is no GPU to exhaust or reset here.
 * - A scene window the GPU cannot hold is predicted in bands of rows (halved until it fits), equal to the whole window.
 * - Encoder tiles are batched on a GPU and the batch is halved after an out-of-memory error; the stitched grid is the same.
 * - A lost device: the job's log names the adapter, the device is re-created and the job runs again; a training
 *   run resumes from its last checkpoint.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { fromFile } from 'geotiff';
import { GpuDeviceLostError, GpuOutOfMemoryError } from '../../src-main/engine/compute/gpu-memory.ts';
import { initBackend } from '../../src-main/engine/compute/backend.ts';
import { LocalJobContext } from '../../src-main/engine/compute/job-context.ts';
import { createScratchNet } from '../../src-main/engine/models/scratch-net.ts';
import * as bands from '../../src-main/engine/models/logits-in-bands.ts';
import { embedInTiles } from '../../src-main/engine/embedding/encoder-tiles.ts';
import type { ClayBatch, ClayEmbedding } from '../../src-main/engine/clay/index.ts';
import { predictScenePart } from '../../src-main/engine/scene/predict-part.ts';
import { mergeSceneParts } from '../../src-main/engine/scene/merge-parts.ts';
import { completeScenePartFolder } from '../../src-main/engine/scene/scene-part.ts';
import { runWithDeviceRetry } from '../../src-main/engine/jobs/device-retry.ts';
import { trainRun } from '../../src-main/engine/training/trainer.ts';
import { readRunRecord } from '../../src-main/engine/run/run-record.ts';
import { hasShared, reportSkippedWithoutShared } from '../helpers/shared.ts';
import { buildChipMosaic } from '../helpers/scene-mosaic.ts';
import { writeSeededScratchRun } from '../helpers/seeded-run.ts';
import { writeTinyS1Dataset } from '../helpers/tiny-dataset.ts';

// Scene windows go through this mock: bands taller than `rowLimit` rows are refused as a full GPU would refuse them.
const injected = vi.hoisted(() => ({ rowLimit: Infinity, rowsTried: [] as number[] }));
vi.mock('../../src-main/engine/models/logits-in-bands.ts', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src-main/engine/models/logits-in-bands.ts')>();
  return {
    ...original,
    logitsInBands: (...args: Parameters<typeof original.logitsInBands>) => {
      const rows = Math.min(args[2], args[1].shape[1]);
      injected.rowsTried.push(rows);
      if (rows > injected.rowLimit) throw new GpuOutOfMemoryError(`injected: Out of memory creating a ${rows}-row buffer`);
      return original.logitsInBands(...args);
    },
  };
});

const work = mkdtempSync(join(tmpdir(), 'floodlens-gpu-recovery-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
reportSkippedWithoutShared('gpu recovery: scene windows');

async function readBand(file: string): Promise<Float32Array> {
  const tiff = await fromFile(file);
  const [values] = (await (await tiff.getImage()).readRasters({ interleave: false })) as unknown as Float32Array[];
  await tiff.close();
  return values;
}

function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i] - b[i]));
  return diff;
}

describe('a window in bands of rows', () => {
  it('equals the one-piece forward: each band reads the receptive field around it, from an even row', async () => {
    await initBackend();
    const net = createScratchNet(2, { seed: 5 });
    expect(net.receptiveRadius).toBe(8); // conv 1 + conv 1 + pool 1, then at half size convT 2 + convT 2, then conv 1 after the upsample
    const input = tf.randomUniform([1, 45, 38, 2], -2, 2, 'float32', 11) as tf.Tensor4D;
    const whole = await net.logits(input).data();
    for (const rows of [2, 7, 16, 44]) {
      const banded = bands.logitsInBands(net, input, rows);
      expect(banded.shape).toEqual([1, 45, 38, 1]);
      expect(maxDifference(await banded.data(), whole), `bands of ${rows} rows`).toBeLessThan(1e-6);
      banded.dispose();
    }
    input.dispose();
    net.dispose();
  });
});

describe.skipIf(!hasShared)('a scene window the GPU cannot hold (injected)', () => {
  it('is predicted in halved bands of rows, logged, with the same probabilities; later windows keep the band', async () => {
    const scene = join(work, 'scene-70x50.tif');
    buildChipMosaic(scene, { width: 70, height: 50, chip: 40 });
    const runDir = await writeSeededScratchRun(join(work, 'run'), { chipSize: 32 });
    const predict = async (name: string, logs: string[]) => {
      const partDir = join(work, `${name}-part`);
      const context = new LocalJobContext(name, undefined, (line) => logs.push(line));
      const part = await predictScenePart({ runDir, scene, probabilities: true, partDir, rows: [0, 1], window: 32, overlap: 16 }, context);
      await completeScenePartFolder(partDir, [part.manifest], {});
      const summary = await mergeSceneParts({ partDirs: [partDir], outDir: join(work, name) });
      return readBand(summary.files.probabilities!);
    };
    const reference = await predict('whole', []);
    injected.rowLimit = 8;
    injected.rowsTried.length = 0;
    const logs: string[] = [];
    try {
      const banded = await predict('banded', logs);
      expect(maxDifference(banded, reference)).toBeLessThan(1e-6);
    } finally {
      injected.rowLimit = Infinity;
    }
    expect(injected.rowsTried.slice(0, 3)).toEqual([32, 16, 8]);
    expect(injected.rowsTried.slice(3).every((rows) => rows === 8)).toBe(true);
    expect(logs.filter((l) => l.includes('bands of'))).toEqual([
      'injected: Out of memory creating a 32-row buffer: predicting this 32² window in bands of 16 rows',
      'injected: Out of memory creating a 16-row buffer: predicting this 32² window in bands of 8 rows',
    ]);
  });
});

describe('encoder tiles on an out-of-memory GPU (injected)', () => {
  // A stand-in encoder that really computes (the mean of every band over 8-px cells) and refuses batches over `limit`.
  const cellMeans = (limit: number, tried: number[]) => ({
    async embed(batch: ClayBatch): Promise<ClayEmbedding> {
      const [b, c, h, w] = batch.shape;
      tried.push(b);
      if (b > limit) throw new GpuOutOfMemoryError(`injected: Out of memory for ${b} tiles`);
      const [gh, gw] = [h / 8, w / 8];
      const grid = new Float32Array(b * c * gh * gw);
      for (let plane = 0; plane < b * c; plane++)
        for (let y = 0; y < h; y++)
          for (let x = 0; x < w; x++) grid[(plane * gh + (y >> 3)) * gw + (x >> 3)] += batch.pixels[(plane * h + y) * w + x] / 64;
      return { grid, shape: [b, c, gh, gw] };
    },
  });
  const batch: ClayBatch = {
    pixels: Float32Array.from({ length: 2 * 3 * 64 * 96 }, (_, i) => Math.sin(i * 0.37) + (i % 7)),
    shape: [2, 3, 64, 96],
    latlon: new Float32Array(4),
    time: new Float32Array(6),
  };

  it('halves the batch of tiles until it fits, keeps it for the next chip, and stitches the same grid as one tile at a time', async () => {
    const oneAtATime = await embedInTiles(cellMeans(Infinity, []), batch, 32);
    const whole = await embedInTiles(cellMeans(Infinity, []), batch, null);
    expect(oneAtATime.tiles).toBe(6);
    expect(maxDifference(oneAtATime.grid, whole.grid)).toBeLessThan(1e-5);
    const tried: number[] = [];
    const logs: string[] = [];
    const batching = { tiles: Infinity, log: (line: string) => logs.push(line) };
    const encoder = cellMeans(4, tried); // 2 chips per tile: 2 tiles at a time fit
    const batched = await embedInTiles(encoder, batch, 32, batching);
    expect(batched.shape).toEqual(oneAtATime.shape);
    expect(maxDifference(batched.grid, oneAtATime.grid)).toBe(0);
    expect(tried).toEqual([12, 6, 4, 4, 4]); // 6 tiles × 2 chips refused, then 3, then pairs
    expect(batching.tiles).toBe(2);
    expect(logs).toEqual([
      'injected: Out of memory for 12 tiles: encoding 3 tile(s) at a time',
      'injected: Out of memory for 6 tiles: encoding 2 tile(s) at a time',
    ]);
    tried.length = 0;
    await embedInTiles(encoder, batch, 32, batching);
    expect(tried).toEqual([4, 4, 4]);
  });

  it('says plainly when even one tile does not fit', async () => {
    await expect(embedInTiles(cellMeans(1, []), batch, 32, { tiles: 4 })).rejects.toThrow(
      /injected: Out of memory for 2 tiles; even one tile at a time does not fit the GPU's memory/,
    );
  });
});

describe('a lost GPU device (injected)', () => {
  const lost = () => new GpuDeviceLostError('GPU device lost on software GPU: SwiftShader Device (Subzero) (destroyed)');

  it('logs the adapter and the reason, re-creates the device and runs the job again', async () => {
    const logs: string[] = [];
    const context = new LocalJobContext('lost', undefined, (line) => logs.push(line));
    let calls = 0;
    const recover = vi.fn(async () => undefined);
    const result = await runWithDeviceRetry(
      'dataset.inspect',
      { dir: 'x' },
      context,
      async () => {
        if (++calls === 1) throw lost();
        return { dir: 'x' } as never;
      },
      { recover },
    );
    expect(result).toEqual({ dir: 'x' });
    expect(recover).toHaveBeenCalledTimes(1);
    expect(logs).toEqual([
      'GPU device lost on software GPU: SwiftShader Device (Subzero) (destroyed): re-creating the GPU device and running the job again',
    ]);
    // lost again: a clear failure, not a loop
    await expect(runWithDeviceRetry('dataset.inspect', { dir: 'x' }, context, () => Promise.reject(lost()), { recover })).rejects.toThrow(
      /SwiftShader.*lost again after a restart\): try FLOODLENS_BACKEND=wasm/,
    );
    // no device to be had: says so
    await expect(
      runWithDeviceRetry('dataset.inspect', { dir: 'x' }, context, () => Promise.reject(lost()), {
        recover: () => Promise.reject(new Error('no WebGPU adapter')),
      }),
    ).rejects.toThrow(/the GPU could not be started again \(no WebGPU adapter\): try FLOODLENS_BACKEND=wasm/);
  });

  it('a training run lost after epoch 1 resumes from its last checkpoint and completes', async () => {
    const data = writeTinyS1Dataset(join(work, 'data'), ['a', 'b', 'c', 'd', 'e']);
    const outDir = join(work, 'train-lost');
    const config = {
      model: 'scratch' as const,
      dataDir: data,
      epochs: 2,
      batchSize: 2,
      chipSize: 16,
      valSplit: 0.2,
      testSplit: 0.2,
      seed: 1,
      patience: 0,
    };
    const logs: string[] = [];
    const context = new LocalJobContext('train-lost', undefined, (line) => logs.push(line));
    const requests: unknown[] = [];
    let losses = 0;
    const record = await runWithDeviceRetry(
      'train',
      { outDir, config },
      context,
      (request, ctx) => {
        requests.push(request);
        const loseAfterEpoch1 = () => {
          if (losses++ === 0) throw lost();
        };
        return trainRun(request, ctx, { onEpochEnd: [loseAfterEpoch1] });
      },
      { recover: async () => undefined },
    );
    expect(requests).toEqual([
      { outDir, config },
      { outDir, resume: true, testChips: undefined },
    ]);
    expect(logs.some((l) => l.includes('resuming the run from its last checkpoint'))).toBe(true);
    expect(record.status).toBe('completed');
    const saved = await readRunRecord(outDir);
    expect(saved.timings.resumedTimes).toBe(1);
    expect(saved.epochs.map((e) => e.epoch)).toEqual([1, 2]);
  });
});
