/**
 * How many threads compute a training step's gradients. wasm and cpu run one thread per worker under Node, so
 * there a step's gradients are computed one sample per part and spread over `trainWorkers` threads (default:
 * one per core, at most one per sample of a batch). The parts are the same whatever the number of threads, so
 * 1 and N workers train the same run. GPU backends and tfjs-node parallelise inside their kernels: one thread,
 * whole-batch gradients (in chunks only where the GPU's memory asks for it).
 */
import type { ModelKind } from '../../api/run.ts';
import type { BackendChoice } from '../compute/backend.ts';
import { defaultWorkers } from '../compute/worker-thread.ts';

const ONE_THREAD_BACKENDS: readonly BackendChoice[] = ['wasm', 'cpu'];
/**
 * A linear probe's step is a 1×1 conv: milliseconds, where per-sample parts cost more than they save (measured
 * 200 ms whole batch vs 1.5 s per sample, b4 1024×32² → 256², wasm) and a worker's start-up costs seconds.
 * It trains data-parallel only when `trainWorkers` is given.
 */
const PARALLEL_BY_DEFAULT: readonly ModelKind[] = ['scratch', 'clay-decoder'];

export interface TrainParallelism {
  /** Threads computing gradients, the trainer's own included. */
  workers: number;
  /** Gradients one sample at a time (summed in sample order), the same for any number of workers. */
  perSampleGradients: boolean;
  /** Why the configured count was not used, when it was not. */
  note: string | null;
}

export function trainParallelism(configured: number | null, backend: BackendChoice, kind: ModelKind, batchSize: number): TrainParallelism {
  if (!ONE_THREAD_BACKENDS.includes(backend)) {
    const note =
      configured !== null && configured > 1
        ? `trainWorkers ${configured} not used: ${backend} parallelises inside its kernels, so one thread trains`
        : null;
    return { workers: 1, perSampleGradients: false, note };
  }
  if (configured === null && !PARALLEL_BY_DEFAULT.includes(kind)) return { workers: 1, perSampleGradients: false, note: null };
  const wanted = configured ?? defaultWorkers();
  const workers = Math.max(1, Math.min(wanted, batchSize));
  const note = workers < wanted ? `${workers} gradient thread(s), not ${wanted}: a batch has ${batchSize} sample(s)` : null;
  return { workers, perSampleGradients: true, note };
}
