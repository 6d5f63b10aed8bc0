/**
 * Tensors are disposed: a real (tiny) scratch run trains several epochs, and after each one tf.memory()
 * reports the same tensors and bytes as after the first (a leak of one tensor per step or epoch fails).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { LocalJobContext } from '../../src-main/engine/compute/job-context.ts';
import { trainRun } from '../../src-main/engine/training/trainer.ts';
import { writeTinyS1Dataset } from '../helpers/tiny-dataset.ts';

const work = mkdtempSync(join(tmpdir(), 'floodlens-training-memory-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

it('four epochs of training leave tf.memory() where the first epoch left it', async () => {
  const data = writeTinyS1Dataset(join(work, 'data'), ['a', 'b', 'c', 'd', 'e']);
  const after: { epoch: number; numTensors: number; numBytes: number }[] = [];
  const record = await trainRun(
    {
      outDir: join(work, 'run'),
      config: {
        model: 'scratch',
        dataDir: data,
        epochs: 4,
        batchSize: 2,
        chipSize: 16,
        cropsPerChip: 2,
        valCropSize: 16,
        valCropsPerChip: 2,
        valSplit: 0.2,
        testSplit: 0.2,
        seed: 2,
        patience: 0,
      },
    },
    new LocalJobContext('memory'),
    { onEpochEnd: [(epoch) => void after.push({ epoch, ...tf.memory() })] },
  );
  expect(record.status).toBe('completed');
  expect(after.map((m) => m.epoch)).toEqual([1, 2, 3, 4]);
  // the net and Adam's moments live the whole run; nothing else may accumulate
  expect(after[0].numTensors).toBeGreaterThan(0);
  for (const m of after.slice(1))
    expect({ epoch: m.epoch, numTensors: m.numTensors, numBytes: m.numBytes }).toEqual({
      epoch: m.epoch,
      numTensors: after[0].numTensors,
      numBytes: after[0].numBytes,
    });
});
