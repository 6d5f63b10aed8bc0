/**
 * Clay v0 encoder parity (run by clay-v0.test.ts on the default backend and webgpu-parity.test.ts on WebGPU) against the fixture Clay's own v0.0.1 code produced
 * (../shared/fixtures/clay-v0, see its README). Error measure: max |ours − reference| over the
 * array (atol 1e-4, as the README suggests), and that divided by max |reference| (reported).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src-main/engine/compute/backend.ts';
import { loadClayEncoder, ClayError, type ClayEncoder, type ClayForward } from '../../src-main/engine/clay/index.ts';
import { posembSincos1d, posembSincos2d, roundTableToFloat16, roundToFloat16 } from '../../src-main/engine/clay/nn/sincos.ts';
import { v0BandTable, v0PositionTable } from '../../src-main/engine/clay/v0/positional-encoding.ts';
import { hasShared, reportSkippedWithoutShared, sharedFixture } from '../helpers/shared.ts';
import { fixtureFloat32, parityChecker, parityErrors } from '../helpers/parity.ts';

const fx = (name: string) => sharedFixture('clay-v0', name);
const f32 = (name: string) => fixtureFloat32('clay-v0', name);
const { report, expectClose } = parityChecker();

/** Float16 rounding and the sin-cos tables against Clay's buffers (pure JavaScript: any backend). */
export function describeClayV0Tables(): void {
  describe('float16 rounding', () => {
    it('rounds to nearest, ties to even, subnormals and overflow', () => {
      expect(roundToFloat16(1 + 2 ** -11)).toBe(1); // tie → even mantissa
      expect(roundToFloat16(1 + 3 * 2 ** -11)).toBe(1 + 2 ** -9);
      expect(roundToFloat16(0.1)).toBe(0.0999755859375);
      expect(roundToFloat16(2 ** -24)).toBe(2 ** -24);
      expect(roundToFloat16(2 ** -26)).toBe(0);
      expect(roundToFloat16(-65504)).toBe(-65504);
      expect(roundToFloat16(70000)).toBe(Infinity);
    });
  });

  describe.skipIf(!hasShared)('Clay v0 encoding tables vs Clay buffers', () => {
    for (const d of [64, 768]) {
      const sfx = d === 64 ? '' : '_d768';
      it(`D=${d}: float16 tables (v0.0.1) equal Clay's exactly, float32 ones within 1e-6`, () => {
        expect(parityErrors(v0PositionTable(16, 16, d, 'float16'), f32(`pos_encoding_fp16${sfx}.f32.bin`)).maxAbs).toBe(0);
        expect(parityErrors(v0BandTable(6, d, 'float16'), f32(`band_encoding_fp16${sfx}.f32.bin`)).maxAbs).toBe(0);
        expect(parityErrors(v0PositionTable(16, 16, d, 'float32'), f32(`pos_encoding_fp32${sfx}.f32.bin`)).maxAbs).toBeLessThan(1e-6);
        expect(parityErrors(v0BandTable(6, d, 'float32'), f32(`band_encoding_fp32${sfx}.f32.bin`)).maxAbs).toBeLessThan(1e-6);
        // the two precisions really differ, so the test above can tell them apart
        expect(parityErrors(roundTableToFloat16(posembSincos2d(16, 16, d / 2)), posembSincos2d(16, 16, d / 2)).maxAbs).toBeGreaterThan(
          1e-5,
        );
        expect(posembSincos1d([0], d / 2)[d / 4]).toBe(1); // cos(0)
      });
    }
  });
}

/**
 * The tiny checkpoint's forward vs the fixture. `samples`: how many of the fixture's 2 chips to encode (each chip's
 * outputs depend on that chip alone, so 1 checks the first chip's references exactly, at half the cost).
 */
export function describeClayV0Encoder(samples: 1 | 2 = 2): void {
  reportSkippedWithoutShared(`clay-v0 encoder parity (${samples} chip(s))`);
  describe.skipIf(!hasShared)(`Clay v0 encoder on the tiny fixture checkpoint (${samples} of its 2 chips)`, () => {
    let enc16: ClayEncoder;
    let out16: ClayForward;
    let out32: ClayForward;
    let baseTensors = 0;
    const codes = hasShared ? new Int8Array(readFileSync(fx('pixels.int8.bin')).buffer.slice(0)) : new Int8Array(0);
    const batch = () => ({
      pixels: Float32Array.from(codes.subarray(0, samples * 13 * 512 * 512), (c) => c / 32), // exact decode, README
      shape: [samples, 13, 512, 512] as [number, number, number, number],
      latlon: f32('latlon.f32.bin').subarray(0, samples * 2),
      time: f32('timestep.f32.bin').subarray(0, samples * 3),
    });
    /** The reference's first `samples` chips (every fixture array is chip-major over 2 chips). */
    const ref = (name: string) => {
      const all = f32(name);
      return all.subarray(0, (all.length / 2) * samples);
    };

    beforeAll(async () => {
      await initBackend();
      baseTensors = tf.memory().numTensors;
      enc16 = await loadClayEncoder(fx('clay-v0-tiny.ckpt'));
      out16 = await enc16.forward(batch(), { capture: true });
      const enc32 = await loadClayEncoder(fx('clay-v0-tiny.ckpt'), { encodingPrecision: 'float32' });
      out32 = await enc32.forward(batch());
      enc32.dispose();
    });
    afterAll(() => {
      enc16?.dispose();
      console.log(`[clay-v0 parity, backend ${tf.getBackend()}]`, report);
    });

    it('identifies the checkpoint and reports its shape', () => {
      expect(enc16.info).toMatchObject({
        version: 'v0',
        dim: 64,
        depth: 2,
        heads: 4,
        patchSize: 32,
        embeddingChannels: 384,
        chipSize: 512,
        patchGrid: [16, 16],
        bandCount: 13,
        encodingPrecision: 'float16',
      });
      expect(enc16.info.bandGroups?.map((g) => g.name)).toEqual(['rgb', 'rededge', 'nir', 'swir', 'sar', 'dem']);
      expect(enc16.info.bandGroups?.[0].bands).toEqual([2, 1, 0]);
    });

    it('patch embedding (per-group conv + LayerNorm) matches patch_embed', () => {
      expect(out16.intermediates.get('patch_embed')?.shape).toEqual([samples, 6, 256, 64]);
      expectClose('patch_embed', out16.intermediates.get('patch_embed')!.data, ref('patch_embed.f32.bin'));
    });

    it('transformer input (encodings + latlon/time tokens) matches transformer_input_v001', () => {
      expect(out16.intermediates.get('transformer_input')?.shape).toEqual([samples, 1538, 64]);
      expectClose('transformer_input_v001', out16.intermediates.get('transformer_input')!.data, ref('transformer_input_v001.f32.bin'));
    });

    it('tokens and grid match tokens_v001 / grid_v001 within 1e-4', () => {
      expect(out16.tokensShape).toEqual([samples, 1538, 64]);
      expect(out16.shape).toEqual([samples, 384, 16, 16]);
      expectClose('tokens_v001', out16.tokens, ref('tokens_v001.f32.bin'));
      expectClose('grid_v001', out16.grid, ref('grid_v001.f32.bin'));
    });

    it('float32 tables reproduce tokens_fp32pe, and the two variants are told apart', () => {
      expectClose('tokens_fp32pe', out32.tokens, ref('tokens_fp32pe.f32.bin'));
      // README: the variants differ by 3.9e-4, so each output must miss the other reference
      expect(parityErrors(out16.tokens, ref('tokens_fp32pe.f32.bin')).maxAbs).toBeGreaterThan(2e-4);
      expect(parityErrors(out32.tokens, ref('tokens_v001.f32.bin')).maxAbs).toBeGreaterThan(2e-4);
    });

    it('embed() returns the same grid and refuses malformed batches with a ClayError', async () => {
      const { grid, shape } = await enc16.embed(batch());
      expect(shape).toEqual([samples, 384, 16, 16]);
      expect(parityErrors(grid, out16.grid).maxAbs).toBe(0);
      const b = batch();
      await expect(
        enc16.embed({ ...b, shape: [samples, 12, 512, 512], pixels: b.pixels.subarray(0, samples * 12 * 512 * 512) }),
      ).rejects.toThrow(/13 bands/);
      await expect(enc16.embed({ ...b, time: new Float32Array(4) })).rejects.toBeInstanceOf(ClayError);
    });

    it('leaves no tensors behind once disposed', () => {
      const e = enc16;
      e.dispose();
      expect(tf.memory().numTensors).toBe(baseTensors);
    });
  });
}
