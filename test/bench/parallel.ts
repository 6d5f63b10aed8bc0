/**
 * Bench section `parallel`: what a pool of N workers gains over one. Each worker_threads worker runs the
 * engine's backend (wasm is one thread per worker under Node) on its own copy of a seed net; all start
 * together, and throughput = samples / wall time. Compared with PyTorch CPU (all its threads) on the
 * same case in the same run. BENCH_PARALLEL_CASE picks the case (default `scratch b1 256²`).
 */
import type { Worker } from 'node:worker_threads';
import { startEngineThread } from '../../src-main/engine/compute/worker-thread.ts';
import { CASES, round, torchReference } from './seed-nets.ts';
import type { BenchContext, BenchRow, BenchSection } from './section.ts';

interface WorkerTimes {
  trainMs: number;
  inferMs: number;
}

const startWorker = (workerData: object): Worker =>
  startEngineThread(new URL('./parallel-worker.ts', import.meta.url), 'parallel-worker', workerData);

/** Starts `count` warmed-up workers, releases them together, returns the wall time of the slowest. */
async function runTogether(count: number, data: object): Promise<WorkerTimes> {
  const workers = Array.from({ length: count }, () => startWorker(data));
  try {
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            w.once('message', () => resolve());
            w.once('error', reject);
          }),
      ),
    );
    const done = workers.map(
      (w) =>
        new Promise<WorkerTimes>((resolve, reject) => {
          w.once('message', resolve);
          w.once('error', reject);
        }),
    );
    for (const w of workers) w.postMessage('go');
    const times = await Promise.all(done);
    return { trainMs: Math.max(...times.map((t) => t.trainMs)), inferMs: Math.max(...times.map((t) => t.inferMs)) };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

export const parallelSection: BenchSection = {
  name: 'parallel',
  async run({ backend, steps, workers, log }: BenchContext): Promise<BenchRow[]> {
    const name = process.env.BENCH_PARALLEL_CASE ?? 'scratch b1 256²';
    const c = CASES.find((k) => k.name === name);
    if (!c) throw new Error(`BENCH_PARALLEL_CASE="${name}" is not one of ${CASES.map((k) => k.name).join(', ')}`);
    const reference = torchReference([c], steps, log)?.cases[c.name];
    const rows: BenchRow[] = [];
    let single: WorkerTimes | null = null;
    for (const count of workers) {
      const t = await runTogether(count, { caseName: c.name, steps, backend: backend.backend });
      single ??= t;
      const samples = count * steps * c.inputShape[0];
      const trainMsPerSample = t.trainMs / samples;
      const inferMsPerSample = t.inferMs / samples;
      log(
        `  ${c.name} × ${count} worker(s): train ${trainMsPerSample.toFixed(0)} ms/sample, inference ${inferMsPerSample.toFixed(0)} ms/sample`,
      );
      const perSample1 = single.trainMs / (steps * c.inputShape[0]);
      rows.push({
        section: 'parallel',
        case: c.name,
        backend: backend.backend,
        workers: count,
        trainMsPerSample: round(trainMsPerSample),
        inferMsPerSample: round(inferMsPerSample),
        trainSpeedupVs1: round(perSample1 / trainMsPerSample, 2),
        inferSpeedupVs1: round(single.inferMs / (steps * c.inputShape[0]) / inferMsPerSample, 2),
        torchTrainMsPerSample: reference ? round(reference.trainMs / c.inputShape[0]) : null,
        torchInferMsPerSample: reference ? round(reference.inferMs / c.inputShape[0]) : null,
        trainRatioVsTorch: reference ? round(trainMsPerSample / (reference.trainMs / c.inputShape[0]), 2) : null,
      });
    }
    return rows;
  },
};
