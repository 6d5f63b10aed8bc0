/**
 * `npm run bench`: a training step and inference for both seed nets at the seed's sizes, on the
 * engine's backend, and the same nets in PyTorch (Debian python3-torch) in the same run.
 * Reports milliseconds and the ratio tfjs / PyTorch; nothing here asserts a time.
 *   BENCH_STEPS=N (default 3) timed steps per case; BENCH_CASES=a,b to pick cases.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src-main/engine/compute/backend.ts';
import { createFinetuneDecoder } from '../../src-main/engine/models/finetune-decoder.ts';
import { createScratchNet } from '../../src-main/engine/models/scratch-net.ts';
import { syntheticBatch, timeInference, timeTrainStep } from './step-timing.ts';
import type { SequentialNet } from '../../src-main/engine/models/sequential-net.ts';
import { SYSTEM_PYTHON, hasTorch } from '../helpers/python-reference.ts';

interface BenchCase {
  name: string;
  net: 'decoder' | 'scratch';
  channels: number;
  /** NCHW as PyTorch sees it. */
  inputShape: [number, number, number, number];
  labelSize: [number, number];
}

const CASES: BenchCase[] = [
  { name: 'decoder b4 16×16×4608', net: 'decoder', channels: 4608, inputShape: [4, 4608, 16, 16], labelSize: [512, 512] },
  { name: 'scratch b1 256²', net: 'scratch', channels: 13, inputShape: [1, 13, 256, 256], labelSize: [256, 256] },
  { name: 'scratch b1 512²', net: 'scratch', channels: 13, inputShape: [1, 13, 512, 512], labelSize: [512, 512] },
];

const steps = Number(process.env.BENCH_STEPS ?? 3);
const picked = process.env.BENCH_CASES?.split(',');
const cases = CASES.filter((c) => !picked || picked.some((p) => c.name.startsWith(p)));

function build(c: BenchCase): SequentialNet {
  return c.net === 'decoder'
    ? createFinetuneDecoder({ embeddingChannels: c.channels, grid: [c.inputShape[2], c.inputShape[3]], output: c.labelSize })
    : createScratchNet(c.channels);
}

function rssMb(): number {
  return process.memoryUsage().rss / 2 ** 20;
}

async function main(): Promise<void> {
  const backend = await initBackend();
  console.log(`backend: ${backend.backend} — ${backend.device}`);
  for (const skipped of backend.skipped) console.log(`  skipped ${skipped.name}: ${skipped.reason}`);

  const ours = new Map<string, { trainMs: number; inferMs: number; peakRssMb: number }>();
  for (const c of cases) {
    const [n, ch, h, w] = c.inputShape;
    const net = build(c);
    const batch = syntheticBatch([n, h, w, ch], c.labelSize);
    const train = timeTrainStep(net, batch, { steps, warmup: 1 });
    const infer = timeInference(net, batch.input, { steps, warmup: 1 });
    ours.set(c.name, { trainMs: train.medianMs, inferMs: infer.medianMs, peakRssMb: rssMb() });
    tf.dispose([batch.input, batch.label]);
    net.dispose();
    console.log(`  ${c.name}: train ${train.medianMs.toFixed(0)} ms, inference ${infer.medianMs.toFixed(0)} ms`);
  }

  let reference: { torch: string; threads: number; cases: Record<string, { trainMs: number; inferMs: number }> } | null = null;
  if (hasTorch) {
    const script = fileURLToPath(new URL('./torch_reference.py', import.meta.url));
    const input = cases.map((c) => ({ ...c, steps, warmup: 1 }));
    reference = JSON.parse(execFileSync(SYSTEM_PYTHON, [script, JSON.stringify(input)], { encoding: 'utf8', maxBuffer: 16 << 20 }));
    console.log(`reference: PyTorch ${reference!.torch} CPU, ${reference!.threads} thread(s)`);
  } else console.log('reference: skipped (Debian python3-torch not installed for /usr/bin/python3)');

  const rows = [['case', `${backend.backend} train ms`, 'torch train ms', 'ratio', `${backend.backend} infer ms`, 'torch infer ms', 'ratio']];
  for (const c of cases) {
    const a = ours.get(c.name)!;
    const b = reference?.cases[c.name];
    const ratio = (x: number, y: number | undefined) => (y ? (x / y).toFixed(2) + '×' : 'n/a');
    rows.push([c.name, a.trainMs.toFixed(0), b ? b.trainMs.toFixed(0) : 'n/a', ratio(a.trainMs, b?.trainMs), a.inferMs.toFixed(0), b ? b.inferMs.toFixed(0) : 'n/a', ratio(a.inferMs, b?.inferMs)]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  console.log('\n' + rows.map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ')).join('\n'));
  console.log('\nratio = our time / PyTorch time in this run (lower is better; 1.00× = as fast as PyTorch).');
}

await main();
