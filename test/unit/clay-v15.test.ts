/**
 * Clay v1.5 encoder parity against the fixture Clay's own code produced (../shared/fixtures/clay-v1.5,
 * see its README): every stage for a Sentinel-2 (10 bands) and a Sentinel-1 (2 bands) batch.
 * Error measure: max |ours − reference| (atol 1e-4) and that divided by max |reference| (reported).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src-main/engine/compute/backend.ts';
import { loadClayEncoder, ClayError, type ClayBatch, type ClayEncoder, type ClayForward } from '../../src-main/engine/clay/index.ts';
import { v15PositionTable } from '../../src-main/engine/clay/v15/positional-encoding.ts';
import { hasShared, reportSkippedWithoutShared, sharedFixture } from '../helpers/shared.ts';
import { fixtureFloat32, parityChecker, parityErrors } from '../helpers/parity.ts';

reportSkippedWithoutShared('clay-v1.5 encoder parity');
const fx = (name: string) => sharedFixture('clay-v1.5', name);
const f32 = (name: string) => fixtureFloat32('clay-v1.5', name);
const { report, expectClose } = parityChecker();

const SETS = { s2: 10, s1: 2 } as const;
function batchOf(set: keyof typeof SETS): ClayBatch {
  return {
    pixels: f32(`${set}_pixels.f32.bin`),
    shape: [2, SETS[set], 64, 64],
    time: f32(`${set}_time.f32.bin`),
    latlon: f32(`${set}_latlon.f32.bin`),
    waves: f32(`${set}_waves.f32.bin`),
    gsd: f32(`${set}_gsd.f32.bin`)[0],
  };
}

describe.skipIf(!hasShared)('Clay v1.5 gsd position table', () => {
  it('matches posemb_sincos_2d_with_gsd for gsd 10 and 30 to ~1 ulp', () => {
    expectClose('pos_encoding_gsd10', v15PositionTable(8, 64, 10), f32('pos_encoding_gsd10.f32.bin'), 1e-6);
    expectClose('pos_encoding_gsd30', v15PositionTable(8, 64, 30), f32('pos_encoding_gsd30.f32.bin'), 1e-6);
  });
});

describe.skipIf(!hasShared)('Clay v1.5 encoder on the tiny fixture checkpoint', () => {
  let enc: ClayEncoder;
  const outs = new Map<string, ClayForward>();
  let baseTensors = 0;

  beforeAll(async () => {
    await initBackend();
    baseTensors = tf.memory().numTensors;
    enc = await loadClayEncoder(fx('clay-v1.5-tiny.ckpt'));
    for (const set of Object.keys(SETS) as (keyof typeof SETS)[]) outs.set(set, await enc.forward(batchOf(set), { capture: true }));
  });
  afterAll(() => {
    enc?.dispose();
    console.log(`[clay-v1.5 parity, backend ${tf.getBackend()}]`, report);
  });

  it('identifies the checkpoint', () => {
    expect(enc.info).toMatchObject({ version: 'v1.5', dim: 64, depth: 2, heads: 4, patchSize: 8, embeddingChannels: 64 });
    expect(enc.info.spec).toMatchObject({
      waveDim: 128,
      numLatentTokens: 128,
      waveHeads: 4,
      waveFfnDim: 2048,
      headsFrom: 'checkpoint hyper-parameters',
    });
  });

  for (const set of Object.keys(SETS) as (keyof typeof SETS)[]) {
    it(`${set}: wavelength branch (posemb, FCBlock, wave transformer, kernel, bias)`, () => {
      const got = outs.get(set)!.intermediates;
      for (const stage of ['wave_posemb', 'wave_fc', 'wavegen_out', 'patch_kernel', 'patch_bias']) {
        expectClose(`${set}_${stage}`, got.get(stage)?.data, f32(`${set}_${stage}.f32.bin`));
      }
      expect(got.get('patch_kernel')?.shape).toEqual([64, SETS[set], 8, 8]);
    });

    it(`${set}: token path (patch_embed, transformer_input, block outputs)`, () => {
      const got = outs.get(set)!.intermediates;
      for (const stage of ['patch_embed', 'transformer_input', 'block0_out', 'block1_out']) {
        expectClose(`${set}_${stage}`, got.get(stage)?.data, f32(`${set}_${stage}.f32.bin`));
      }
    });

    it(`${set}: tokens [2,65,64] and grid [2,64,8,8] within 1e-4`, () => {
      const out = outs.get(set)!;
      expect(out.tokensShape).toEqual([2, 65, 64]);
      expect(out.shape).toEqual([2, 64, 8, 8]);
      expectClose(`${set}_tokens`, out.tokens, f32(`${set}_tokens.f32.bin`));
      expectClose(`${set}_grid`, out.grid, f32(`${set}_grid.f32.bin`));
    });
  }

  it('is invariant to a consistent band permutation and sensitive to wrong wave pairing (README properties)', async () => {
    const b = batchOf('s2');
    const [n, c, h, w] = b.shape;
    const plane = h * w;
    const reversed = new Float32Array(b.pixels.length);
    for (let s = 0; s < n; s++)
      for (let ch = 0; ch < c; ch++)
        reversed.set(b.pixels.subarray((s * c + ch) * plane, (s * c + ch + 1) * plane), (s * c + (c - 1 - ch)) * plane);
    const waves = Array.from(b.waves!).reverse();
    const both = await enc.embed({ ...b, pixels: reversed, waves });
    expect(parityErrors(both.grid, outs.get('s2')!.grid).maxAbs).toBeLessThan(1e-4);
    const wavesOnly = await enc.embed({ ...b, waves });
    expect(parityErrors(wavesOnly.grid, outs.get('s2')!.grid).maxAbs).toBeGreaterThan(0.1);
  });

  it('refuses malformed batches with a ClayError', async () => {
    const b = batchOf('s1');
    await expect(enc.embed({ ...b, waves: [3.5] })).rejects.toThrow(/one wavelength/);
    await expect(enc.embed({ ...b, gsd: undefined })).rejects.toBeInstanceOf(ClayError);
    await expect(enc.embed({ ...b, shape: [2, 2, 32, 128] })).rejects.toThrow(/square/);
  });

  it('leaves no tensors behind once disposed', () => {
    enc.dispose();
    expect(tf.memory().numTensors).toBe(baseTensors);
  });
});
