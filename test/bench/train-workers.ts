/**
 * Bench section `train-workers`: data-parallel training (src-main/engine/training/gradient-pool.ts):
 * the trainer's step with its gradients spread over 1 and N threads (one sample per part, summed in order), and
 * the one-piece whole-batch step as it ran before, all on the same batch in the same process. Throughput =
 * samples / wall time per step, after one warm-up step (which also waits for the workers to start).
 * BENCH_TRAIN_WORKERS_CASE picks the case (default: `train`'s defaults on Sentinel-1, 2 bands, batch 4, 64² crops).
 */
import * as tf from '@tensorflow/tfjs';
import { LocalJobContext } from '../../src-main/engine/compute/job-context.ts';
import type { BackendInfo } from '../../src-main/engine/compute/backend.ts';
import { Adam } from '../../src-main/engine/models/optimizer.ts';
import { trainStep, type TrainBatch } from '../../src-main/engine/models/train-step.ts';
import { GradientPool } from '../../src-main/engine/training/gradient-pool.ts';
import { build, CASES, round, torchReference, type BenchCase } from './seed-nets.ts';
import type { BenchContext, BenchRow, BenchSection } from './section.ts';
import { syntheticBatch } from './step-timing.ts';

const TRAIN_DEFAULTS_CASE: BenchCase = {
  name: 'scratch b4 64² (2 bands)',
  net: 'scratch',
  channels: 2,
  inputShape: [4, 2, 64, 64],
  labelSize: [64, 64],
};

/**
 * Median ms of `steps` training steps after one warm-up, with gradients in parts on `threads` (0 = one piece), and
 * the process's CPU time per wall time over them (how many cores its threads got: ~N on an idle machine).
 */
async function timeSteps(
  c: BenchCase,
  backend: BackendInfo,
  threads: number,
  batch: TrainBatch,
  steps: number,
): Promise<{ ms: number; coresBusy: number }> {
  const net = build(c);
  const optimizer = new Adam(net.variables);
  const [, , h, w] = c.inputShape;
  const pool =
    threads > 1
      ? new GradientPool({
          threads,
          backend: backend.backend,
          kind: c.net === 'decoder' ? 'clay-decoder' : 'scratch',
          shape: { inputChannels: c.channels, inputGrid: c.net === 'decoder' ? [h, w] : null, outputSize: c.labelSize },
        })
      : null;
  const context = new LocalJobContext('bench');
  const step = () => trainStep(net, optimizer, batch, threads === 0 ? Infinity : 1, pool?.gradients(net, context));
  try {
    await step();
    const times: number[] = [];
    const cpu = process.cpuUsage();
    for (let i = 0; i < steps; i++) {
      const start = performance.now();
      await step();
      times.push(performance.now() - start);
    }
    const { user, system } = process.cpuUsage(cpu);
    const wallMs = times.reduce((x, y) => x + y, 0);
    return { ms: times.sort((x, y) => x - y)[Math.floor(times.length / 2)], coresBusy: (user + system) / 1000 / wallMs };
  } finally {
    await pool?.close();
    optimizer.dispose();
    net.dispose();
  }
}

async function trainWorkerRows({ backend, steps, workers, log }: BenchContext): Promise<BenchRow[]> {
  const name = process.env.BENCH_TRAIN_WORKERS_CASE;
  const c = name ? CASES.find((k) => k.name === name) : TRAIN_DEFAULTS_CASE;
  if (!c) throw new Error(`BENCH_TRAIN_WORKERS_CASE="${name}" is not one of ${CASES.map((k) => k.name).join(', ')}`);
  const [n, ch, h, w] = c.inputShape;
  const batch = syntheticBatch([n, h, w, ch], c.labelSize);
  const reference = torchReference([c], steps, log)?.cases[c.name];
  const torchMsPerSample = reference ? reference.trainMs / n : null;
  try {
    const { ms: wholeBatchMs } = await timeSteps(c, backend, 0, batch, steps);
    log(`  ${c.name}, whole batch in one piece: ${(wholeBatchMs / n).toFixed(0)} ms/sample`);
    const rows: BenchRow[] = [];
    let one: number | null = null;
    for (const threads of [...new Set(workers.map((k) => Math.min(k, n)))]) {
      const { ms, coresBusy } = await timeSteps(c, backend, threads, batch, steps);
      one ??= ms;
      log(
        `  ${c.name}, per-sample gradients on ${threads} train worker(s): ${(ms / n).toFixed(0)} ms/sample, ${coresBusy.toFixed(2)} cores busy`,
      );
      rows.push({
        section: 'train-workers',
        case: `train step ${c.name}`,
        backend: backend.backend,
        trainWorkers: threads,
        trainMsPerSample: round(ms / n),
        wholeBatchMsPerSample: round(wholeBatchMs / n),
        trainSpeedupVs1: round(one / ms, 2),
        trainSpeedupVsWholeBatch: round(wholeBatchMs / ms, 2),
        coresBusy: round(coresBusy, 2),
        torchTrainMsPerSample: torchMsPerSample === null ? null : round(torchMsPerSample),
        trainRatioVsTorch: torchMsPerSample === null ? null : round(ms / n / torchMsPerSample, 2),
      });
    }
    return rows;
  } finally {
    tf.dispose([batch.input, batch.label]);
  }
}

export const trainWorkersSection: BenchSection = { name: 'train-workers', run: trainWorkerRows };
