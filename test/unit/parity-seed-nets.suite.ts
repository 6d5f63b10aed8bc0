/**
 * Parity of the seed networks with PyTorch 1.13 (fixtures in ../shared/fixtures/seed-nets, see its
 * README): forward logits, loss, every gradient, parameters after one Adam step, and the summary
 * statistics of a second step, on the backend a test file names (parity-seed-nets*.test.ts).
 *
 * Relative error of a tensor a against the PyTorch reference b: max|a − b| / max|b| (per tensor).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { hasShared, reportSkippedWithoutShared, sharedFixture } from '../helpers/shared.ts';
import { fixtureFloat32, relativeError } from '../helpers/parity.ts';
import { needs, SYSTEM_PYTHON } from '../helpers/references.ts';
import { initBackend, type BackendChoice } from '../../src-main/engine/compute/backend.ts';
import { readStateDict } from '../../src-main/engine/torch/checkpoint.ts';
import { createFinetuneDecoder } from '../../src-main/engine/models/finetune-decoder.ts';
import { createScratchNet } from '../../src-main/engine/models/scratch-net.ts';
import { Adam } from '../../src-main/engine/models/optimizer.ts';
import { lossAndGradients } from '../../src-main/engine/models/train-step.ts';
import { bceWithLogits } from '../../src-main/engine/models/loss.ts';
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

function packed(file: string, entry: PackedEntry): Float32Array {
  return fixtureFloat32('seed-nets', file).subarray(entry.offset_bytes / 4, entry.offset_bytes / 4 + entry.numel);
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
            input = tf.tidy(
              () => tf.tensor4d(fixtureFloat32('seed-nets', fx.input.file), [b, c, h, w]).transpose([0, 2, 3, 1]) as tf.Tensor4D,
            );
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
            const reference = fixtureFloat32('seed-nets', fx.output.file);
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
 * The scratch net's whole chain (forward, loss, every gradient, Adam steps 1 and 2) on a `size`² crop of its fixture
 * input and label, with the fixture's real weights (scratch-net.pt), judged by PyTorch 1.13 computed live on the same
 * crop (test/helpers/scratch_net_reference.py builds the net as the fixture README prints it). The crop costs
 * (size/128)² of the fixture's 3.5 GMAC forward: what software WebGPU can run in CI, where the full 128² chain takes
 * over 30 min (parity-seed-nets-webgpu.test.ts, opt-in). Every tensor is compared whole, as in the fixture suite.
 */
export function describeScratchChainOnCrop(backend: BackendChoice, tol: ParityTolerances, skip = false, size = 64): void {
  const judged = needs(`scratch net chain on a ${size}² crop (${backend})`, 'shared', 'torch');
  describe.skipIf(!judged || skip)(`scratch net whole chain on a ${size}² crop of its fixture matches PyTorch 1.13 on ${backend}`, () => {
    const errors: Record<string, number> = {};
    let work: string;
    beforeAll(() => {
      work = mkdtempSync(join(tmpdir(), 'floodlens-scratch-crop-'));
      return () => {
        console.log(`[parity ${backend}] scratch-net ${size}² crop max relative errors:`, JSON.stringify(errors, roundedNumbers));
        rmSync(work, { recursive: true, force: true });
      };
    });

    it("forward logits, loss, every gradient, one Adam step (ours and on PyTorch's gradients), then a second step", async () => {
      const info = await initBackend({ force: backend });
      expect(info.backend).toBe(backend);
      const start = (128 - size) >> 1; // even: the 2×2 pooling windows stay those of the fixture
      const reference = JSON.parse(
        execFileSync(SYSTEM_PYTHON, [SCRATCH_REFERENCE, fixture(''), work, String(start), String(start), String(size)], {
          encoding: 'utf8',
        }),
      ) as { keys: string[]; loss1: number; loss2: number };
      const file = (name: string) => {
        const bytes = readFileSync(join(work, name));
        return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      };
      const fx = (JSON.parse(readFileSync(fixture('seed-nets.json'), 'utf8')) as Record<string, NetFixture>).scratch_net;
      const shapes = new Map(fx.params_initial.tensors.map((t) => [t.key, t.shape]));
      expect(reference.keys).toEqual([...shapes.keys()]);
      /** A packed file of PyTorch tensors in state-dict order, as a StateDict. */
      const unpack = (name: string): StateDict => {
        const all = file(name);
        const out: StateDict = new Map();
        let offset = 0;
        for (const [key, shape] of shapes) {
          const numel = shape.reduce((a, b) => a * b, 1);
          out.set(key, { shape, data: all.subarray(offset, offset + numel) });
          offset += numel;
        }
        expect(offset).toBe(all.length);
        return out;
      };
      const compare = (label: string, ours: StateDict, theirs: StateDict, tolerance: number) => {
        for (const [key, expected] of theirs) {
          errors[`${label} ${key}`] = relativeError(ours.get(key)!.data, expected.data);
          expect(errors[`${label} ${key}`], `${label} ${key}`).toBeLessThanOrEqual(tolerance);
        }
      };

      const net = createScratchNet(13);
      net.loadStateDict(await readStateDict(fixture(fx.state_dict_file)), fx.state_dict_file);
      const input = tf.tidy(() => tf.tensor4d(file('input.f32.bin'), [1, 13, size, size]).transpose([0, 2, 3, 1]) as tf.Tensor4D);
      const label = tf.tensor4d(Float32Array.from(readFileSync(join(work, 'label.u8.bin'))), [1, size, size, 1]);
      const optimizer = new Adam(net.variables, { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 });
      /** One forward and backward: the logits, the loss and the gradients in PyTorch layout. */
      const step = async (n: 1 | 2) => {
        let logits: tf.Tensor | undefined;
        const variables = [...net.variables.values()];
        const { value, grads } = tf.variableGrads(() => bceWithLogits((logits = tf.keep(net.logits(input))), label), variables);
        errors[`logits${n}`] = relativeError(await logits!.data(), file(`logits${n}.f32.bin`));
        expect(errors[`logits${n}`], `logits of step ${n}`).toBeLessThanOrEqual(tol.tensor);
        errors[`loss${n}`] = Math.abs((await value.data())[0] - reference[`loss${n}`]) / reference[`loss${n}`];
        expect(errors[`loss${n}`], `loss of step ${n}`).toBeLessThanOrEqual(tol.tensor);
        const byKey = new Map([...net.variables].map(([key, variable]) => [key, grads[variable.name]]));
        compare(`grad${n}`, await net.toTorchLayout(byKey), unpack(`grads${n}.f32.bin`), tol.tensor);
        tf.dispose([logits!, value]);
        return byKey;
      };
      try {
        const initial = await net.stateDict();
        const grads1 = await step(1);
        const ownChain = new Adam(net.variables, { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 });
        ownChain.apply(grads1);
        ownChain.dispose();
        tf.dispose([...grads1.values()]);
        compare('param1 (our grads)', await net.stateDict(), unpack('params1.f32.bin'), tol.chainedAdam);
        // The optimizer on PyTorch's own gradients (see describeSeedNetParity), then step 2 from PyTorch's parameters.
        net.loadStateDict(initial);
        const torchGrads = net.fromTorchLayout(unpack('grads1.f32.bin'));
        optimizer.apply(torchGrads);
        tf.dispose([...torchGrads.values()]);
        compare('param1', await net.stateDict(), unpack('params1.f32.bin'), tol.tensor);
        const grads2 = await step(2);
        optimizer.apply(grads2);
        tf.dispose([...grads2.values()]);
        compare('param2', await net.stateDict(), unpack('params2.f32.bin'), tol.chainedAdam);
        expect(optimizer.step).toBe(2);
      } finally {
        optimizer.dispose();
        tf.dispose([input, label]);
        net.dispose();
      }
    });
  });
}

const SCRATCH_REFERENCE = fileURLToPath(new URL('../helpers/scratch_net_reference.py', import.meta.url));

function roundedNumbers(_key: string, value: unknown): unknown {
  return typeof value === 'number' ? Number(value.toExponential(2)) : value;
}
