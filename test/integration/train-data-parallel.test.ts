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
