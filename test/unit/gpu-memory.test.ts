/**
 * GPU memory handling (engine/compute/gpu-memory.ts): batches capped by the adapter's buffer limits, an
 * out-of-memory step retried in halved chunks (with an injected failure: there is no GPU to exhaust here),
 * and a chunked train step equal to the one-piece step.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import {
  GpuDeviceLostError,
  GpuOutOfMemoryError,
  maxSamplesForAdapter,
  retryWithSmallerChunks,
} from '../../src-main/engine/compute/gpu-memory.ts';
import { initBackend } from '../../src-main/engine/compute/backend.ts';
import { LocalJobContext } from '../../src-main/engine/compute/job-context.ts';
import { createScratchNet } from '../../src-main/engine/models/scratch-net.ts';
import { createFinetuneDecoder } from '../../src-main/engine/models/finetune-decoder.ts';
import { Adam } from '../../src-main/engine/models/optimizer.ts';
import * as trainSteps from '../../src-main/engine/models/train-step.ts';
import { trainRun } from '../../src-main/engine/training/trainer.ts';
import { writeTinyS1Dataset } from '../helpers/tiny-dataset.ts';

// The trainer's steps go through this mock: it refuses chunks above `injectedLimit` as a GPU would.
const injected = vi.hoisted(() => ({ limit: Infinity, chunksTried: [] as number[] }));
vi.mock('../../src-main/engine/models/train-step.ts', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src-main/engine/models/train-step.ts')>();
  return {
    ...original,
    trainStep: (...args: Parameters<typeof original.trainStep>) => {
      const chunk = Math.min(args[3] ?? Infinity, args[2].input.shape[0]);
      injected.chunksTried.push(chunk);
      if (chunk > injected.limit) return Promise.reject(new GpuOutOfMemoryError('injected: Out of memory creating a 96 MiB buffer'));
      return original.trainStep(...args);
    },
  };
});

// On wasm the trainer computes gradients per sample over its threads; a GPU backend takes whole-batch steps, chunked
// only when memory asks: the path under test here.
vi.mock('../../src-main/engine/training/train-workers.ts', () => ({
  trainParallelism: () => ({ workers: 1, perSampleGradients: false, note: null }),
}));

const work = mkdtempSync(join(tmpdir(), 'floodlens-gpu-memory-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('adapter limits', () => {
  // SwiftShader's limits here (doctor): max buffer 1024 MiB, max storage binding 1024 MiB.
  const swiftShader = { maxBufferSize: 2 ** 30, maxStorageBufferBindingSize: 2 ** 30 };

  it('the largest activation of one sample sets how many fit one GPU buffer', () => {
    const scratch = createScratchNet(13);
    try {
      // 512 channels after the 2× upsample at full size: 512·512·512·4 B = 512 MiB per 512² sample.
      expect(scratch.largestActivationBytes(512, 512)).toBe(512 * 512 * 512 * 4);
      expect(maxSamplesForAdapter(swiftShader, scratch.largestActivationBytes(512, 512))).toBe(2);
      expect(
        maxSamplesForAdapter({ maxBufferSize: 2 ** 28, maxStorageBufferBindingSize: 2 ** 27 }, scratch.largestActivationBytes(128, 128)),
      ).toBe(4);
      expect(maxSamplesForAdapter(null, scratch.largestActivationBytes(512, 512))).toBe(Infinity);
    } finally {
      scratch.dispose();
    }
    const decoder = createFinetuneDecoder({ embeddingChannels: 4608, grid: [16, 16], output: [512, 512] });
    try {
      // the 4608-channel embedding is the largest tensor of the decoder
      expect(decoder.largestActivationBytes(16, 16)).toBe(16 * 16 * 4608 * 4);
    } finally {
      decoder.dispose();
    }
  });
});

describe('retry with smaller chunks', () => {
  it('halves the chunk after each out-of-memory error until a step fits, and keeps that chunk', async () => {
    const tried: number[] = [];
    const retries: string[] = [];
    const result = await retryWithSmallerChunks(
      16,
      async (chunk) => {
        tried.push(chunk);
        if (chunk > 3) throw new GpuOutOfMemoryError(`no room for ${chunk}`);
        return chunk * 10;
      },
      (next, error) => retries.push(`${error.message} → ${next}`),
    );
    expect(tried).toEqual([16, 8, 4, 2]);
    expect(result).toEqual({ value: 20, chunk: 2 });
    expect(retries).toEqual(['no room for 16 → 8', 'no room for 8 → 4', 'no room for 4 → 2']);
  });

  it('says plainly when even one sample does not fit', async () => {
    const attempt = vi.fn(async (chunk: number): Promise<number> => {
      throw new GpuOutOfMemoryError(`Out of memory (chunk ${chunk})`);
    });
    await expect(retryWithSmallerChunks(3, attempt)).rejects.toThrow(
      /Out of memory \(chunk 1\); even one sample at a time does not fit the GPU's memory: use smaller chips\/crops, or FLOODLENS_BACKEND=wasm/,
    );
    expect(attempt.mock.calls.map(([chunk]) => chunk)).toEqual([3, 2, 1]);
  });

  it('does not retry a lost device or any other error', async () => {
    for (const error of [new GpuDeviceLostError('GPU device lost (unknown): driver reset'), new Error('chip.tif: no CRS')]) {
      const attempt = vi.fn(async () => Promise.reject(error));
      await expect(retryWithSmallerChunks(8, attempt)).rejects.toBe(error);
      expect(attempt).toHaveBeenCalledTimes(1);
    }
  });
});

describe('a train step in chunks', () => {
  it('equals the one-piece step (gradients weighted by their valid pixels), for chunks of 1 and 2 of a batch of 3', async () => {
    await initBackend();
    const input = tf.randomUniform([3, 8, 8, 2], -1, 1, 'float32', 7) as tf.Tensor4D;
    const label = tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([3, 8, 8, 1], 0, 1, 'float32', 8), 0.6), 'float32')) as tf.Tensor4D;
    // uneven valid pixels per sample, one sample nearly all nodata: the weights matter
    const valid = tf.tidy(() =>
      tf.concat([
        tf.ones([1, 8, 8, 1]),
        tf.cast(tf.greater(tf.randomUniform([1, 8, 8, 1], 0, 1, 'float32', 9), 0.5), 'float32'),
        tf.pad(tf.ones([1, 2, 2, 1]), [
          [0, 0],
          [0, 6],
          [0, 6],
          [0, 0],
        ]),
      ]),
    ) as tf.Tensor4D;
    const batch = { input, label, valid, posWeight: 2 };
    // Adam with ε = 1 and a large lr moves each parameter by ≈ lr·g/(|g| + 1): smooth in g, so the parameter change
    // compares the gradients (Adam's usual first step, ±lr whatever |g|, would amplify float32 noise of tiny gradients).
    const delta = async (chunk: number) => {
      const net = createScratchNet(2, { seed: 3 });
      const initial = await net.stateDict();
      const optimizer = new Adam(net.variables, { lr: 100, eps: 1 });
      const before = tf.memory().numTensors;
      const { loss } = await trainSteps.trainStep(net, optimizer, batch, chunk);
      expect(tf.memory().numTensors, 'the chunked step leaves no tensor behind').toBe(before);
      const after = await net.stateDict();
      optimizer.dispose();
      net.dispose();
      const change = new Map([...after].map(([key, t]) => [key, t.data.map((v, i) => v - initial.get(key)!.data[i])]));
      return { loss, change };
    };
    const whole = await delta(Infinity);
    for (const chunk of [1, 2]) {
      const parts = await delta(chunk);
      expect(Math.abs(parts.loss - whole.loss) / whole.loss, `loss, chunks of ${chunk}`).toBeLessThan(1e-5);
      for (const [key, reference] of whole.change) {
        const other = parts.change.get(key)!;
        let diff = 0;
        let scale = 0;
        reference.forEach((v, i) => {
          diff = Math.max(diff, Math.abs(v - other[i]));
          scale = Math.max(scale, Math.abs(v));
        });
        expect(diff / scale, `change of ${key}, chunks of ${chunk}`).toBeLessThan(1e-4);
      }
    }
    tf.dispose([input, label, valid]);
  });
});

describe('the trainer on an out-of-memory GPU (injected)', () => {
  it('retries the step in halved chunks, logs why, and finishes the run', async () => {
    const data = writeTinyS1Dataset(join(work, 'data'), ['a', 'b', 'c', 'd', 'e']);
    injected.limit = 1;
    injected.chunksTried.length = 0;
    const logs: string[] = [];
    const context = new LocalJobContext('oom', undefined, (line) => logs.push(line));
    const record = await trainRun(
      {
        outDir: join(work, 'run'),
        config: {
          model: 'scratch',
          dataDir: data,
          epochs: 1,
          batchSize: 4,
          chipSize: 32,
          valSplit: 0.2,
          testSplit: 0.2,
          seed: 1,
          patience: 0,
        },
      },
      context,
    );
    injected.limit = Infinity;
    expect(record.status).toBe('completed');
    // the first step fails whole and in chunks of 2, then runs in chunks of 1; later steps start at 1
    expect(injected.chunksTried.slice(0, 3)).toEqual([Math.min(4, injected.chunksTried[0]), 2, 1]);
    expect(injected.chunksTried[0]).toBeGreaterThan(2);
    expect(injected.chunksTried.slice(3).every((chunk) => chunk === 1)).toBe(true);
    expect(logs.filter((l) => l.includes('retrying this step'))).toEqual([
      'injected: Out of memory creating a 96 MiB buffer: retrying this step in chunks of 2 sample(s)',
      'injected: Out of memory creating a 96 MiB buffer: retrying this step in chunks of 1 sample(s)',
    ]);
  });
});
