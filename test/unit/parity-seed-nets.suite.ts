/**
 * Parity of the seed networks with PyTorch 1.13 (fixtures in ../shared/fixtures/seed-nets, see its
 * README): forward logits, loss, every gradient, parameters after one Adam step, and the summary
 * statistics of a second step, on the backend a test file names (parity-seed-nets*.test.ts).
 *
 * Relative error of a tensor a against the PyTorch reference b: max|a − b| / max|b| (per tensor).
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { hasShared, reportSkippedWithoutShared, sharedFixture } from '../helpers/shared.ts';
import { initBackend, type BackendChoice } from '../../src-main/engine/compute/backend.ts';
import { readStateDict } from '../../src-main/engine/torch/checkpoint.ts';
import { createFinetuneDecoder } from '../../src-main/engine/models/finetune-decoder.ts';
import { createScratchNet } from '../../src-main/engine/models/scratch-net.ts';
import { Adam } from '../../src-main/engine/models/optimizer.ts';
import { lossAndGradients } from '../../src-main/engine/models/train-step.ts';
import type { SequentialNet, StateDict } from '../../src-main/engine/models/sequential-net.ts';

const fixture = (name: string) => sharedFixture('seed-nets', name);

interface PackedEntry {
  key: string;
  shape: number[];
  offset_bytes: number;
  numel: number;
  sum: number;
  max_abs: number;
}
interface Stats {
  sum: number;
  abs_sum: number;
  max_abs: number;
  values_at: Record<string, number>;
}
interface NetFixture {
  state_dict_file: string;
  input: { file: string; shape: number[] };
  label: { file: string; shape: number[] };
  output: { file: string };
  params_initial: { tensors: PackedEntry[] };
  loss_step1: number;
  grads_step1: { file: string; tensors: PackedEntry[] };
  params_after_step1: { file: string; tensors: PackedEntry[] };
  loss_step2: number;
  grads_step2_stats: Record<string, Stats>;
  output_step2_stats: Stats;
  params_after_step2_stats: Record<string, Stats>;
}

function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return scale === 0 ? diff : diff / scale;
}

function float32File(name: string): Float32Array {
  const bytes = readFileSync(fixture(name));
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

function packed(file: string, entry: PackedEntry): Float32Array {
  return float32File(file).subarray(entry.offset_bytes / 4, entry.offset_bytes / 4 + entry.numel);
}

/** Compares our tensor with a step-2 summary: max_abs, abs_sum and values_at relative to max_abs; sum relative to abs_sum. */
function expectStats(label: string, values: Float32Array, stats: Stats, errors: Record<string, number>, tolerance: number): void {
  let sum = 0;
  let absSum = 0;
  let maxAbs = 0;
  for (const v of values) {
    sum += v;
    absSum += Math.abs(v);
    maxAbs = Math.max(maxAbs, Math.abs(v));
  }
  const pointError = Math.max(...Object.entries(stats.values_at).map(([i, v]) => Math.abs(values[Number(i)] - v))) / stats.max_abs;
  const error = Math.max(
    Math.abs(maxAbs - stats.max_abs) / stats.max_abs,
    Math.abs(absSum - stats.abs_sum) / stats.abs_sum,
    Math.abs(sum - stats.sum) / stats.abs_sum,
    pointError,
  );
  errors[label] = error;
  expect(error, label).toBeLessThanOrEqual(tolerance);
}

const nets = [
  {
    name: 'finetune-decoder',
    key: 'finetune_decoder',
    build: () => createFinetuneDecoder({ embeddingChannels: 4608, grid: [16, 16], output: [512, 512] }),
  },
  { name: 'scratch-net', key: 'scratch_net', build: () => createScratchNet(13) },
] as const satisfies readonly { name: string; key: string; build: () => SequentialNet }[];

export interface ParityTolerances {
  /** Forward, loss, gradients, Adam on PyTorch's gradients, step-2 statistics. */
  tensor: number;
  /** One Adam step on our own gradients (ill-conditioned, see below). */
  chainedAdam: number;
}

export type SeedNetName = (typeof nets)[number]['name'];

/** `only`: the nets whose whole chain is checked (default: both). */
export function describeSeedNetParity(backend: BackendChoice, tol: ParityTolerances, skip = false, only?: SeedNetName[]): void {
  reportSkippedWithoutShared(`parity-seed-nets (${backend})`);
  const TOLERANCE = tol.tensor;

  describe.skipIf(!hasShared || skip)(
    `seed networks match PyTorch 1.13 on ${backend} (relative error = max|a−b| / max|b| ≤ ${tol.tensor})`,
    () => {
      beforeAll(async () => {
        const info = await initBackend({ force: backend });
        expect(info.backend).toBe(backend);
      });

      for (const { name, key, build } of nets.filter((n) => !only || only.includes(n.name))) {
        describe(name, () => {
          let fx: NetFixture;
          let net: SequentialNet;
          let input: tf.Tensor4D;
          let label: tf.Tensor4D;
          const errors: Record<string, number> = {};

          beforeAll(async () => {
            fx = (JSON.parse(readFileSync(fixture('seed-nets.json'), 'utf8')) as Record<string, NetFixture>)[key];
            net = build();
            net.loadStateDict(await readStateDict(fixture(fx.state_dict_file)), fx.state_dict_file);
            const [b, c, h, w] = fx.input.shape;
            input = tf.tidy(() => tf.tensor4d(float32File(fx.input.file), [b, c, h, w]).transpose([0, 2, 3, 1]) as tf.Tensor4D);
            const [lb, , lh, lw] = fx.label.shape;
            label = tf.tensor4d(Float32Array.from(readFileSync(fixture(fx.label.file))), [lb, lh, lw, 1]);
            return () => {
              console.log(
                `[parity ${backend}] ${name} max relative errors:`,
                JSON.stringify(errors, (_k, v: unknown) => (typeof v === 'number' ? Number(v.toExponential(2)) : v)),
              );
              net.dispose();
              input.dispose();
              label.dispose();
            };
          });

          it('loads the .pt state dict with the exact keys, shapes and sums, and round-trips it', async () => {
            const state = await net.stateDict();
            expect([...state.keys()]).toEqual(fx.params_initial.tensors.map((t) => t.key));
            for (const entry of fx.params_initial.tensors) {
              const tensor = state.get(entry.key)!;
              expect(tensor.shape).toEqual(entry.shape);
              const sum = tensor.data.reduce((a, v) => a + v, 0);
              expect(Math.abs(sum - entry.sum)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(entry.sum)) + 1e-6);
            }
          });

          it('forward logits, loss, every gradient, one Adam step, then a second step', async () => {
            const reference = float32File(fx.output.file);
            const logits = net.logits(input);
            errors.logits = relativeError(await logits.data(), reference);
            logits.dispose();
            expect(errors.logits).toBeLessThanOrEqual(TOLERANCE);

            const initial = await net.stateDict();
            const optimizer = new Adam(net.variables, { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 });
            try {
              const step1 = lossAndGradients(net, { input, label });
              errors.loss = Math.abs((await step1.loss.data())[0] - fx.loss_step1) / fx.loss_step1;
              expect(errors.loss).toBeLessThanOrEqual(TOLERANCE);
              const grads: StateDict = await net.toTorchLayout(step1.grads);
              for (const entry of fx.grads_step1.tensors) {
                errors[`grad ${entry.key}`] = relativeError(grads.get(entry.key)!.data, packed(fx.grads_step1.file, entry));
                expect(errors[`grad ${entry.key}`], `gradient of ${entry.key}`).toBeLessThanOrEqual(TOLERANCE);
              }
              // Adam's first step is p −= lr·g/(|g| + ε): for the many entries with |g| ≲ 1e-7 it turns
              // float32 gradient noise (ours ~1e-7 relative, like PyTorch's own vs float64) into up to
              // ~3e-4 of max|p|. So the optimizer is checked on PyTorch's own gradients (≤ 1e-4), and the
              // whole chain (our gradients + our Adam) against a bound that admits that conditioning.
              const ownChain = new Adam(net.variables);
              ownChain.apply(step1.grads);
              ownChain.dispose();
              step1.loss.dispose();
              for (const g of step1.grads.values()) g.dispose();
              const chained = await net.stateDict();
              for (const entry of fx.params_after_step1.tensors) {
                errors[`param1 (our grads) ${entry.key}`] = relativeError(
                  chained.get(entry.key)!.data,
                  packed(fx.params_after_step1.file, entry),
                );
                expect(errors[`param1 (our grads) ${entry.key}`], `${entry.key} after one Adam step on our gradients`).toBeLessThanOrEqual(
                  tol.chainedAdam,
                );
              }

              net.loadStateDict(initial);
              const torchGrads = new Map(
                fx.grads_step1.tensors.map((e) => [e.key, { shape: e.shape, data: packed(fx.grads_step1.file, e) }]),
              );
              const torchGradTensors = net.fromTorchLayout(torchGrads);
              optimizer.apply(torchGradTensors);
              for (const g of torchGradTensors.values()) g.dispose();
              const params1 = await net.stateDict();
              for (const entry of fx.params_after_step1.tensors) {
                errors[`param1 ${entry.key}`] = relativeError(params1.get(entry.key)!.data, packed(fx.params_after_step1.file, entry));
                expect(errors[`param1 ${entry.key}`], `${entry.key} after one Adam step`).toBeLessThanOrEqual(TOLERANCE);
              }

              const output2 = net.logits(input);
              expectStats('output step 2', (await output2.data()) as Float32Array, fx.output_step2_stats, errors, TOLERANCE);
              output2.dispose();
              const step2 = lossAndGradients(net, { input, label });
              errors['loss step 2'] = Math.abs((await step2.loss.data())[0] - fx.loss_step2) / fx.loss_step2;
              expect(errors['loss step 2']).toBeLessThanOrEqual(TOLERANCE);
              const grads2 = await net.toTorchLayout(step2.grads);
              for (const [k, stats] of Object.entries(fx.grads_step2_stats))
                expectStats(`grad2 ${k}`, grads2.get(k)!.data, stats, errors, TOLERANCE);
              optimizer.apply(step2.grads);
              step2.loss.dispose();
              for (const g of step2.grads.values()) g.dispose();
              const params2 = await net.stateDict();
              for (const [k, stats] of Object.entries(fx.params_after_step2_stats))
                expectStats(`param2 ${k}`, params2.get(k)!.data, stats, errors, TOLERANCE);
              expect(optimizer.step).toBe(2);
            } finally {
              optimizer.dispose();
            }
          });
        });
      }
    },
  );
}

/**
 * The scratch net's forward on an interior crop of its fixture input: every logit farther than the net's
 * receptive-field radius from the crop's edges (conv 1 + conv 1 + pool 1 + 2 transposed convs at half
 * resolution 2 + 2 + upsample 1 + conv 1 = 9 px; 12 kept) sees exactly the pixels it sees in the full
 * 128² input, so it must equal PyTorch's logit there. The crop starts on an even pixel, keeping the 2×2
 * pooling windows aligned. Costs (32/128)² of the full forward: the full chain on the scratch net (3 GMAC a
 * forward) is too slow for software WebGPU in CI, and runs opt-in (parity-seed-nets-webgpu.test.ts).
 */
export function describeScratchForwardOnCrop(backend: BackendChoice, tolerance: number, skip = false): void {
  describe.skipIf(!hasShared || skip)(`scratch net forward on a 32² interior crop matches PyTorch 1.13 on ${backend}`, () => {
    it('centre logits (beyond the receptive field of the crop edges) within the tolerance', async () => {
      const info = await initBackend({ force: backend });
      expect(info.backend).toBe(backend);
      const fx = (JSON.parse(readFileSync(fixture('seed-nets.json'), 'utf8')) as Record<string, NetFixture>).scratch_net;
      const net = createScratchNet(13);
      net.loadStateDict(await readStateDict(fixture(fx.state_dict_file)), fx.state_dict_file);
      const [b, c, h, w] = fx.input.shape;
      const [top, left, side, margin] = [48, 64, 32, 12];
      const logits = tf.tidy(() => {
        const full = tf.tensor4d(float32File(fx.input.file), [b, c, h, w]).transpose([0, 2, 3, 1]) as tf.Tensor4D;
        return net.logits(tf.slice(full, [0, top, left, 0], [1, side, side, c]));
      });
      const ours = await logits.data();
      logits.dispose();
      net.dispose();
      const reference = float32File(fx.output.file);
      const inner = side - 2 * margin;
      const a = new Float32Array(inner * inner);
      const r = new Float32Array(inner * inner);
      for (let y = 0; y < inner; y++) {
        for (let x = 0; x < inner; x++) {
          a[y * inner + x] = ours[(margin + y) * side + margin + x];
          r[y * inner + x] = reference[(top + margin + y) * w + left + margin + x];
        }
      }
      const error = relativeError(a, r);
      console.log(`[parity ${backend}] scratch-net forward on a crop: max relative error ${error.toExponential(2)}`);
      expect(error).toBeLessThanOrEqual(tolerance);
    });
  });
}
