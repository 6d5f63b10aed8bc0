/**
 * Bench section `seed-nets`: a training step and inference for both seed nets at the seed's sizes, on the
 * engine's backend, and the same nets in PyTorch (Debian python3-torch) in the same run.
 * Reports milliseconds and the ratio tfjs / PyTorch; nothing here asserts a time.
 *   BENCH_CASES=a,b to pick cases.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { createFinetuneDecoder } from '../../src-main/engine/models/finetune-decoder.ts';
import { createScratchNet } from '../../src-main/engine/models/scratch-net.ts';
import { syntheticBatch, timeInference, timeTrainStep } from './step-timing.ts';
import type { SequentialNet } from '../../src-main/engine/models/sequential-net.ts';
import { SYSTEM_PYTHON, hasTorch } from '../helpers/python-reference.ts';
import type { BenchContext, BenchRow, BenchSection } from './section.ts';

export interface BenchCase {
  name: string;
  net: 'decoder' | 'scratch';
  channels: number;
  /** NCHW as PyTorch sees it. */
  inputShape: [number, number, number, number];
  labelSize: [number, number];
}

export const CASES: BenchCase[] = [
  { name: 'decoder b4 16×16×4608', net: 'decoder', channels: 4608, inputShape: [4, 4608, 16, 16], labelSize: [512, 512] },
  { name: 'scratch b1 256²', net: 'scratch', channels: 13, inputShape: [1, 13, 256, 256], labelSize: [256, 256] },
  { name: 'scratch b1 512²', net: 'scratch', channels: 13, inputShape: [1, 13, 512, 512], labelSize: [512, 512] },
];

const picked = process.env.BENCH_CASES?.split(',');
const cases = CASES.filter((c) => !picked || picked.some((p) => c.name.startsWith(p)));

export function build(c: BenchCase): SequentialNet {
  return c.net === 'decoder'
    ? createFinetuneDecoder({ embeddingChannels: c.channels, grid: [c.inputShape[2], c.inputShape[3]], output: c.labelSize })
    : createScratchNet(c.channels);
}

export function rssMb(): number {
  return process.memoryUsage().rss / 2 ** 20;
}

export const seedNetsSection: BenchSection = {
  name: 'seed-nets',
  async run({ backend, steps, log }: BenchContext): Promise<BenchRow[]> {
    const ours = new Map<string, { trainMs: number; inferMs: number; peakRssMb: number }>();
    for (const c of cases) {
      const [n, ch, h, w] = c.inputShape;
      const net = build(c);
      const batch = syntheticBatch([n, h, w, ch], c.labelSize);
      const train = await timeTrainStep(net, batch, { steps, warmup: 1 });
      const infer = await timeInference(net, batch.input, { steps, warmup: 1 });
      ours.set(c.name, { trainMs: train.medianMs, inferMs: infer.medianMs, peakRssMb: rssMb() });
      tf.dispose([batch.input, batch.label]);
      net.dispose();
      log(`  ${c.name}: train ${train.medianMs.toFixed(0)} ms, inference ${infer.medianMs.toFixed(0)} ms`);
    }
    const reference = torchReference(cases, steps, log);
    return cases.map((c) => {
      const a = ours.get(c.name)!;
      const b = reference?.cases[c.name];
      return {
        section: 'seed-nets',
        case: c.name,
        backend: backend.backend,
        workers: 1,
        trainMs: round(a.trainMs),
        torchTrainMs: b ? round(b.trainMs) : null,
        trainRatio: b ? round(a.trainMs / b.trainMs, 2) : null,
        inferMs: round(a.inferMs),
        torchInferMs: b ? round(b.inferMs) : null,
        inferRatio: b ? round(a.inferMs / b.inferMs, 2) : null,
        torchThreads: reference?.threads ?? null,
        peakRssMb: round(a.peakRssMb),
      };
    });
  },
};

export function round(x: number, digits = 0): number {
  return Number(x.toFixed(digits));
}

interface TorchTimes {
  torch: string;
  threads: number;
  cases: Record<string, { trainMs: number; inferMs: number }>;
}

/** The same cases in PyTorch CPU (torch_reference.py), or null without Debian python3-torch. */
export function torchReference(list: BenchCase[], steps: number, log: (line: string) => void): TorchTimes | null {
  if (!hasTorch) {
    log('reference: skipped (Debian python3-torch not installed for /usr/bin/python3)');
    return null;
  }
  const script = fileURLToPath(new URL('./torch_reference.py', import.meta.url));
  const input = list.map((c) => ({ ...c, steps, warmup: 1 }));
  const reference = JSON.parse(
    execFileSync(SYSTEM_PYTHON, [script, JSON.stringify(input)], { encoding: 'utf8', maxBuffer: 16 << 20 }),
  ) as TorchTimes;
  log(`reference: PyTorch ${reference.torch} CPU, ${reference.threads} thread(s)`);
  return reference;
}
