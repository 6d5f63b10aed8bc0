import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src-main/engine/compute/backend.ts';
import { createFinetuneDecoder, finetuneDecoderLayers } from '../../src-main/engine/models/finetune-decoder.ts';
import { createScratchNet } from '../../src-main/engine/models/scratch-net.ts';
import { createLinearProbe } from '../../src-main/engine/models/linear-probe.ts';
import { convT, filterFromTorch, type ConvSpec } from '../../src-main/engine/models/layers.ts';
import { bceWithLogits, predictMask } from '../../src-main/engine/models/loss.ts';
import { Adam } from '../../src-main/engine/models/optimizer.ts';
import { timeTrainStep, syntheticBatch } from '../bench/step-timing.ts';
import { StateDictError } from '../../src-main/engine/models/sequential-net.ts';

beforeAll(async () => {
  await initBackend({ force: 'wasm' });
});

describe('network layouts', () => {
  it('finetune decoder on a 16×16 grid to 512 px is exactly the seed table (keys and shapes)', () => {
    const net = createFinetuneDecoder({ embeddingChannels: 4608, grid: [16, 16], output: [512, 512] });
    expect([...net.stateDictShapes()]).toEqual([
      ['decoder.0.weight', [64, 4608, 1, 1]],
      ['decoder.0.bias', [64]],
      ['decoder.2.weight', [64, 32, 3, 3]],
      ['decoder.2.bias', [32]],
      ['decoder.5.weight', [32, 16, 3, 3]],
      ['decoder.5.bias', [16]],
      ['decoder.8.weight', [16, 8, 3, 3]],
      ['decoder.8.bias', [8]],
      ['decoder.11.weight', [8, 1, 3, 3]],
      ['decoder.11.bias', [1]],
    ]);
    expect(net.parameterCount()).toBe(319_297);
    net.dispose();
  });

  it('finetune decoder derives its ×2 stages from grid and output size', () => {
    const count = (grid: number, out: number) =>
      finetuneDecoderLayers({ embeddingChannels: 8, grid: [grid, grid], output: [out, out] }).filter((l) => l.type === 'upsample').length;
    expect(count(16, 512)).toBe(5);
    expect(count(8, 256)).toBe(5);
    expect(count(16, 256)).toBe(4);
    expect(count(16, 64)).toBe(2);
    expect(count(8, 512)).toBe(6);
    expect(() => count(16, 500)).toThrow(/power of two/);
    const net = createFinetuneDecoder({ embeddingChannels: 8, grid: [4, 4], output: [32, 32] });
    const out = net.logits(tf.ones([2, 4, 4, 8]) as tf.Tensor4D);
    expect(out.shape).toEqual([2, 32, 32, 1]);
    out.dispose();
    net.dispose();
  });

  it('scratch net has the seed keys, 713,281 parameters, and keeps the input size', () => {
    const net = createScratchNet(13);
    expect([...net.stateDictShapes().keys()]).toEqual([
      'encoder.0.weight',
      'encoder.0.bias',
      'encoder.2.weight',
      'encoder.2.bias',
      'decoder.0.weight',
      'decoder.0.bias',
      'decoder.2.weight',
      'decoder.2.bias',
      'decoder.5.weight',
      'decoder.5.bias',
    ]);
    expect(net.parameterCount()).toBe(713_281);
    const out = net.logits(tf.zeros([1, 18, 22, 13]) as tf.Tensor4D);
    expect(out.shape).toEqual([1, 18, 22, 1]);
    out.dispose();
    expect(() => net.logits(tf.zeros([1, 8, 8, 4]) as tf.Tensor4D)).toThrow(/4 channels/);
    net.dispose();
  });

  it('linear probe: 1×1 conv then bilinear upsample (half-pixel centres) to pixels', async () => {
    const net = createLinearProbe({ embeddingChannels: 6, grid: [4, 4], output: [16, 16] });
    expect([...net.stateDictShapes()]).toEqual([
      ['decoder.0.weight', [1, 6, 1, 1]],
      ['decoder.0.bias', [1]],
    ]);
    const x = tf.randomNormal([1, 4, 4, 6], 0, 1, 'float32', 5) as tf.Tensor4D;
    const out = net.logits(x);
    const state = await net.stateDict();
    const expected = tf.image.resizeBilinear(
      tf.add(
        tf.conv2d(x, tf.tensor4d(state.get('decoder.0.weight')!.data, [1, 1, 6, 1]), 1, 'valid'),
        state.get('decoder.0.bias')!.data[0],
      ) as tf.Tensor4D,
      [16, 16],
      false,
      true,
    );
    expect(Math.max(...tf.abs(tf.sub(out, expected)).dataSync())).toBeLessThan(1e-5);
    net.dispose();
  });
});

describe('weights', () => {
  it('ConvTranspose2d stored as a flipped conv equals tf.conv2dTranspose with permute(2,3,1,0)', () => {
    const spec = convT(3, 5, 3, 1) as ConvSpec;
    const torch = tf.randomNormal([3, 5, 3, 3], 0, 1, 'float32', 9);
    const x = tf.randomNormal([1, 7, 6, 3], 0, 1, 'float32', 10) as tf.Tensor4D;
    const asConv = tf.conv2d(x, tf.tensor4d(filterFromTorch(spec, torch.dataSync() as Float32Array), [3, 3, 3, 5]), 1, 'same');
    const viaTranspose = tf.conv2dTranspose(x, torch.transpose([2, 3, 1, 0]) as tf.Tensor4D, [1, 7, 6, 5], 1, 'same');
    expect(Math.max(...tf.abs(tf.sub(asConv, viaTranspose)).dataSync())).toBeLessThan(1e-5);
  });

  it('state dict round-trips exactly and rejects wrong keys and shapes with a clear error', async () => {
    const a = createScratchNet(4, { seed: 3 });
    const b = createScratchNet(4, { seed: 99 });
    b.loadStateDict(await a.stateDict());
    const sa = await a.stateDict();
    for (const [key, t] of await b.stateDict()) expect(t.data).toEqual(sa.get(key)!.data);
    const missing = new Map(sa);
    missing.delete('decoder.5.bias');
    expect(() => b.loadStateDict(missing, 'x.pt')).toThrow(StateDictError);
    expect(() => b.loadStateDict(missing, 'x.pt')).toThrow(/x\.pt: missing decoder\.5\.bias/);
    const wrong = new Map(sa);
    wrong.set('encoder.0.weight', { shape: [64, 13, 3, 3], data: new Float32Array(64 * 13 * 9) });
    expect(() => b.loadStateDict(wrong)).toThrow(/encoder\.0\.weight has shape \[64,13,3,3\]/);
    a.dispose();
    b.dispose();
  });
});

describe('loss and optimizer', () => {
  it('masked BCE ignores invalid pixels and equals the PyTorch formula', () => {
    const z = tf.tensor4d([2, -1, 0.5, -3], [1, 2, 2, 1]);
    const y = tf.tensor4d([1, 0, 0, 1], [1, 2, 2, 1]);
    const term = (zv: number, yv: number) => Math.max(zv, 0) - zv * yv + Math.log1p(Math.exp(-Math.abs(zv)));
    expect(bceWithLogits(z, y).dataSync()[0]).toBeCloseTo((term(2, 1) + term(-1, 0) + term(0.5, 0) + term(-3, 1)) / 4, 6);
    const valid = tf.tensor4d([1, 0, 1, 0], [1, 2, 2, 1]);
    expect(bceWithLogits(z, y, valid).dataSync()[0]).toBeCloseTo((term(2, 1) + term(0.5, 0)) / 2, 6);
    expect(bceWithLogits(z, y, tf.zerosLike(valid)).dataSync()[0]).toBe(0);
    expect([...predictMask(z).dataSync()]).toEqual([1, 0, 1, 0]);
    expect([...predictMask(z, 0.7).dataSync()]).toEqual([1, 0, 0, 0]);
  });

  it('Adam follows torch formula over several steps, and its state restores', async () => {
    const p = tf.variable(tf.tensor1d([0.5, -0.25, 1e-3]));
    const opt = new Adam(new Map([['p', p]]), { lr: 0.01 });
    const grads = [
      [0.1, -0.2, 1e-9],
      [0.3, 0.1, -1e-9],
      [-0.05, 0.02, 0],
    ];
    const m = [0, 0, 0],
      v = [0, 0, 0],
      ref = [0.5, -0.25, 1e-3];
    grads.forEach((g, step) => {
      opt.apply(new Map([['p', tf.tensor1d(g)]]));
      const t = step + 1;
      for (let i = 0; i < 3; i++) {
        m[i] = 0.9 * m[i] + 0.1 * g[i];
        v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
        ref[i] -= ((0.01 / (1 - 0.9 ** t)) * m[i]) / (Math.sqrt(v[i]) / Math.sqrt(1 - 0.999 ** t) + 1e-8);
      }
    });
    const got = p.dataSync();
    for (let i = 0; i < 3; i++) expect(Math.abs(got[i] - ref[i])).toBeLessThan(1e-6);
    const q = tf.variable(tf.tensor1d([0, 0, 0]));
    const restored = new Adam(new Map([['p', q]]), { lr: 0.01 });
    restored.loadState(await opt.state());
    expect(restored.step).toBe(3);
  });

  it('timeTrainStep runs real steps and reports a finite loss', async () => {
    const before = tf.memory().numTensors;
    const net = createScratchNet(3);
    const batch = syntheticBatch([1, 16, 16, 3], [16, 16]);
    const withNet = tf.memory().numTensors;
    expect(withNet).toBe(before + 10 + 2);
    const timing = await timeTrainStep(net, batch, { steps: 2 });
    expect(timing.stepsMs).toHaveLength(2);
    expect(Number.isFinite(timing.loss)).toBe(true);
    expect(tf.memory().numTensors).toBe(withNet);
    net.dispose();
    batch.input.dispose();
    batch.label.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
