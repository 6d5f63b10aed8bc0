import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { JobCancelledError, type JobProgress } from '../../api/jobs.ts';
import type { JobInput, JobKind, JobResult } from './registry.ts';
import type { HostToWorker, WorkerToHost } from './worker-protocol.ts';

export interface RunJobOptions {
  onProgress?: (progress: JobProgress) => void;
  onLog?: (message: string) => void;
  signal?: AbortSignal;
  /** How long a job may take to stop after cancel before its thread is terminated. */
  cancelGraceMs?: number;
  jobId?: string;
}

export class JobFailedError extends Error {
  constructor(
    message: string,
    readonly workerStack?: string,
  ) {
    super(message);
    this.name = 'JobFailedError';
  }
}

/**
 * The worker script: next to this module when running from source (TypeScript through tsx), or the
 * bundle electron-vite emits beside the main bundle (`engine-worker.js`).
 */
// geotiff.js pulls in the `web-worker` package, which reads `workerData.mod` in any worker thread
// and crashes when workerData is undefined: always pass an (empty) object.
const workerOptions = { workerData: {} };

function startWorker(): Worker {
  if (fileURLToPath(import.meta.url).endsWith('.ts')) {
    // Node 20 does not apply `--import tsx` inside workers: load the TypeScript entry through tsx's API.
    const tsxApi = import.meta.resolve('tsx/esm/api');
    const entry = new URL('./worker-entry.ts', import.meta.url).href;
    const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => tsx.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(entry)}));`;
    return new Worker(bootstrap, { ...workerOptions, eval: true });
  }
  // Bundled: this code sits in out/main/ or in out/main/chunks/, beside or below the worker bundle.
  const candidates = ['./engine-worker.js', '../engine-worker.js'].map((path) => fileURLToPath(new URL(path, import.meta.url)));
  const bundled = candidates.find((path) => existsSync(path));
  if (!bundled) throw new Error(`engine worker bundle missing: looked for ${candidates.join(', ')}`);
  return new Worker(bundled, workerOptions);
}

/** Runs one job on a fresh worker thread, never on the caller's thread. */
export function runJob<K extends JobKind>(kind: K, input: JobInput<K>, options: RunJobOptions = {}): Promise<JobResult<K>> {
  const worker = startWorker();
  const jobId = options.jobId ?? randomUUID();
  const send = (message: HostToWorker) => worker.postMessage(message);

  return new Promise<JobResult<K>>((resolve, reject) => {
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;
    const finish = (action: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(killTimer);
      options.signal?.removeEventListener('abort', onAbort);
      void worker.terminate();
      action();
    };
    const onAbort = () => {
      send({ type: 'cancel' });
      killTimer = setTimeout(() => finish(() => reject(new JobCancelledError('the job did not stop in time and was terminated'))), options.cancelGraceMs ?? 10_000);
    };

    worker.on('message', (message: WorkerToHost) => {
      switch (message.type) {
        case 'progress':
          options.onProgress?.(message.progress);
          break;
        case 'log':
          options.onLog?.(message.message);
          break;
        case 'done':
          finish(() => resolve(message.result as JobResult<K>));
          break;
        case 'cancelled':
          finish(() => reject(new JobCancelledError()));
          break;
        case 'failed':
          finish(() => reject(new JobFailedError(message.error.message, message.error.stack)));
          break;
      }
    });
    worker.on('error', (error) => finish(() => reject(new JobFailedError(`engine worker crashed: ${error.message}`, error.stack))));
    worker.on('exit', (code) => finish(() => reject(new JobFailedError(`engine worker exited with code ${code} before finishing`))));

    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
    send({ type: 'start', jobId, kind, input });
  });
}
