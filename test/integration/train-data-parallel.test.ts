/**
 * Data-parallel training (training/gradient-pool.ts): a tiny real-chip scratch run with 1 gradient thread and
 * with 2 gives the same run, bit for bit (losses and metrics of every epoch, final weights and Adam state); a
 * failing gradient worker fails the step with an error naming it, never a hang; cancel ends the workers.
 * Speed is measured by `npm run bench` (parallel section), not here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { JobCancelledError } from '../../src-main/api/jobs.ts';
import type { RunRecord, TrainConfigInput } from '../../src-main/api/run.ts';
import { initBackend } from '../../src-main/engine/compute/backend.ts';
import { LocalJobContext } from '../../src-main/engine/compute/job-context.ts';
import { createNet } from '../../src-main/engine/models/net-factory.ts';
import { Adam } from '../../src-main/engine/models/optimizer.ts';
import { trainStep } from '../../src-main/engine/models/train-step.ts';
import { readLastCheckpoint } from '../../src-main/engine/run/checkpoint-file.ts';
import { readRunRecord } from '../../src-main/engine/run/run-record.ts';
import { GradientPool, runningGradientWorkers } from '../../src-main/engine/training/gradient-pool.ts';
import { trainRun } from '../../src-main/engine/training/trainer.ts';
import { trainParallelism } from '../../src-main/engine/training/train-workers.ts';
import type { ModelKind } from '../../src-main/api/run.ts';
import { writeTinyS1Dataset } from '../helpers/tiny-dataset.ts';

const work = mkdtempSync(join(tmpdir(), 'floodlens-data-parallel-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const data = writeTinyS1Dataset(join(work, 'data'), ['a', 'b', 'c', 'd', 'e']);

// 3 training chips × 2 crops = batches of 4 and 2 samples; the wasm backend, as on a machine without a GPU.
const config = (trainWorkers: number): TrainConfigInput => ({
  model: 'scratch',
  dataDir: data,
  epochs: 2,
  batchSize: 4,
  chipSize: 16,
  cropsPerChip: 2,
  valCropSize: 16,
  valCropsPerChip: 2,
  seed: 4,
  patience: 0,
  trainWorkers,
});
/** Every epoch's figures except its timings. */
const withoutTimes = (record: RunRecord) =>
  record.epochs.map((epoch) => Object.fromEntries(Object.entries(epoch).filter(([key]) => !/seconds|PerSecond/i.test(key))));

describe('data-parallel training on wasm', () => {
  it('1 and 2 gradient threads train the same run, bit for bit', async () => {
    await initBackend({ force: 'wasm' });
    const logs: string[] = [];
    const one = await trainRun({ outDir: join(work, 'one'), config: config(1) }, new LocalJobContext('one'));
    const two = await trainRun(
      { outDir: join(work, 'two'), config: config(2) },
      new LocalJobContext('two', undefined, (l) => logs.push(l)),
    );
    expect(logs).toContain('gradients per sample on 2 thread(s)');
    expect([one.trainWorkers, two.trainWorkers]).toEqual([1, 2]);
    expect((await readRunRecord(join(work, 'two'))).trainWorkers).toBe(2);
    expect(one.epochs.map((e) => e.samples)).toEqual([6, 6]);
    expect(withoutTimes(two)).toEqual(withoutTimes(one));
    expect(two.best).toEqual(one.best);
    const [a, b] = await Promise.all([
      readLastCheckpoint(join(work, 'one/checkpoints/last.flck')),
      readLastCheckpoint(join(work, 'two/checkpoints/last.flck')),
    ]);
    expect([...b.tensors.keys()]).toEqual([...a.tensors.keys()]);
    for (const [key, tensor] of a.tensors) {
      const other = b.tensors.get(key)!;
      expect(
        Buffer.from(other.data.buffer, other.data.byteOffset, other.data.byteLength).equals(
          Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength),
        ),
        key,
      ).toBe(true);
    }
    expect(runningGradientWorkers()).toBe(0);
  }, 240_000);

  it.each(['clay-decoder', 'linear-probe'] as const)(
    '%s: a step over 2 threads equals the step on one, bit for bit',
    async (kind: ModelKind) => {
      await initBackend({ force: 'wasm' });
      const shape = { inputChannels: 32, inputGrid: [8, 8] as [number, number], outputSize: [64, 64] as [number, number], seed: 3 };
      const [alone, parallel] = [createNet(kind, shape), createNet(kind, shape)];
      const [adamAlone, adamParallel] = [new Adam(alone.variables), new Adam(parallel.variables)];
      const pool = new GradientPool({ threads: 2, backend: 'wasm', kind, shape });
      // Deterministic embeddings; labels and a valid mask with a different count of valid pixels in each sample.
      const batch = tf.tidy(() => {
        const wave = (n: number, f: number) => tf.sin(tf.mul(tf.range(0, n, 1, 'float32'), f));
        return {
          input: wave(3 * 8 * 8 * 32, 0.37).reshape([3, 8, 8, 32]) as tf.Tensor4D,
          label: tf
            .greater(wave(3 * 64 * 64, 0.011), 0)
            .cast('float32')
            .reshape([3, 64, 64, 1]) as tf.Tensor4D,
          valid: tf
            .greater(wave(3 * 64 * 64, 0.0007), -0.6)
            .cast('float32')
            .reshape([3, 64, 64, 1]) as tf.Tensor4D,
        };
      });
      try {
        for (let step = 0; step < 2; step++) {
          const a = await trainStep(alone, adamAlone, batch, 1);
          const b = await trainStep(parallel, adamParallel, batch, 1, pool.gradients(parallel, new LocalJobContext('heads')));
          expect(b.loss).toBe(a.loss);
        }
        const [x, y] = [await alone.stateDict(), await parallel.stateDict()];
        for (const [key, tensor] of x) expect(Buffer.from(y.get(key)!.data.buffer).equals(Buffer.from(tensor.data.buffer)), key).toBe(true);
      } finally {
        await pool.close();
        tf.dispose([batch.input, batch.label, batch.valid]);
        [alone, parallel].forEach((net) => net.dispose());
        [adamAlone, adamParallel].forEach((adam) => adam.dispose());
      }
    },
    120_000,
  );

  it('trainWorkers: one per core on wasm/cpu (capped at the batch), one on GPU backends and for linear probes by default', () => {
    expect(trainParallelism(3, 'wasm', 'scratch', 4)).toEqual({ workers: 3, perSampleGradients: true, note: null });
    expect(trainParallelism(8, 'cpu', 'clay-decoder', 4)).toMatchObject({ workers: 4, perSampleGradients: true });
    expect(trainParallelism(1, 'wasm', 'scratch', 4)).toMatchObject({ workers: 1, perSampleGradients: true });
    expect(trainParallelism(null, 'wasm', 'linear-probe', 4)).toEqual({ workers: 1, perSampleGradients: false, note: null });
    expect(trainParallelism(2, 'wasm', 'linear-probe', 4)).toMatchObject({ workers: 2, perSampleGradients: true });
    expect(trainParallelism(4, 'webgpu', 'scratch', 4)).toMatchObject({ workers: 1, perSampleGradients: false, note: /webgpu/ });
    expect(trainParallelism(null, 'node-gpu', 'scratch', 4)).toEqual({ workers: 1, perSampleGradients: false, note: null });
  });

  it('a failing gradient worker fails the step with its message and stops the pool', async () => {
    await initBackend({ force: 'wasm' });
    // The worker builds a 3-band net; the trainer's net has 2 bands: its weights do not fit the worker's copy.
    const net = createNet('scratch', { inputChannels: 2, inputGrid: null, outputSize: null, seed: 1 });
    const optimizer = new Adam(net.variables);
    const pool = new GradientPool({
      threads: 2,
      backend: 'wasm',
      kind: 'scratch',
      shape: { inputChannels: 3, inputGrid: null, outputSize: null },
    });
    const batch = { input: tf.ones([2, 16, 16, 2]) as tf.Tensor4D, label: tf.zeros([2, 16, 16, 1]) as tf.Tensor4D };
    try {
      await expect(trainStep(net, optimizer, batch, 1, pool.gradients(net, new LocalJobContext('fail')))).rejects.toThrow(
        /^gradient worker 1\/1 failed: .*should have \d+ values but has \d+/,
      );
      expect(optimizer.step).toBe(0); // no partial step was applied
    } finally {
      await pool.close();
      tf.dispose([batch.input, batch.label]);
      net.dispose();
      optimizer.dispose();
    }
    expect(runningGradientWorkers()).toBe(0);
  }, 120_000);

  it('cancel stops training and ends the gradient workers', async () => {
    const context = new LocalJobContext('cancel', (p) => {
      if (p.phase === 'train') context.cancel();
    });
    const outDir = join(work, 'cancel');
    await expect(trainRun({ outDir, config: config(2) }, context)).rejects.toBeInstanceOf(JobCancelledError);
    expect((await readRunRecord(outDir)).status).toBe('cancelled');
    expect(runningGradientWorkers()).toBe(0);
  }, 120_000);
});
