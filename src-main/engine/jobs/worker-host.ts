import { randomUUID } from 'node:crypto';
import { EngineError } from '../../api/errors.ts';
import { JobCancelledError, type JobProgress } from '../../api/jobs.ts';
import { startEngineThread } from '../compute/worker-thread.ts';
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

/** A job failed in its worker: the worker's error with its code and file, when it had them. */
export class JobFailedError extends EngineError {
  constructor(
    message: string,
    readonly workerStack?: string,
    error: { code?: string; file?: string } = {},
  ) {
    super(error.code ?? 'error', message, { file: error.file });
    this.name = 'JobFailedError';
  }
}

/** The engine's job thread: `worker-entry.ts` from source, the `engine-worker.js` bundle when packaged. */
const startWorker = () => startEngineThread(new URL('./worker-entry.ts', import.meta.url), 'engine-worker');

interface PendingJob {
  options: RunJobOptions;
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
  killTimer?: NodeJS.Timeout;
  onAbort?: () => void;
}

/** One worker thread running jobs; messages are routed back to their job by id. */
class JobThread {
  private readonly worker = startWorker();
  private readonly pending = new Map<string, PendingJob>();
  private dead = false;

  constructor(
    private readonly onDeath: () => void = () => undefined,
    keepsProcessAlive = true,
  ) {
    // An idle long-lived thread must not keep a finished process (CLI, tests) from exiting.
    if (!keepsProcessAlive) this.worker.unref();
    this.worker.on('message', (message: WorkerToHost) => this.receive(message));
    this.worker.on('error', (error) => this.die(new JobFailedError(`engine worker crashed: ${error.message}`, error.stack)));
    this.worker.on('exit', (code) => this.die(new JobFailedError(`engine worker exited with code ${code} before finishing`)));
  }

  get idle(): boolean {
    return this.pending.size === 0;
  }

  run<K extends JobKind>(kind: K, input: JobInput<K>, options: RunJobOptions): Promise<JobResult<K>> {
    if (this.dead) return Promise.reject(new JobFailedError('engine worker is not running'));
    const jobId = options.jobId ?? randomUUID();
    return new Promise<JobResult<K>>((resolve, reject) => {
      const job: PendingJob = { options, resolve: resolve as (result: unknown) => void, reject };
      job.onAbort = () => {
        this.send({ type: 'cancel', jobId });
        job.killTimer = setTimeout(() => {
          // The job ignores cancellation: stop its thread (and with it anything else on it).
          this.settle(jobId, () => reject(new JobCancelledError('the job did not stop in time and was terminated')));
          this.terminate();
        }, options.cancelGraceMs ?? 10_000);
      };
      this.pending.set(jobId, job);
      if (options.signal?.aborted) job.onAbort();
      else options.signal?.addEventListener('abort', job.onAbort, { once: true });
      this.send({ type: 'start', jobId, kind, input });
    });
  }

  terminate(): void {
    this.dead = true;
    void this.worker.terminate();
  }

  private send(message: HostToWorker): void {
    this.worker.postMessage(message);
  }

  private settle(jobId: string, action: () => void): void {
    const job = this.pending.get(jobId);
    if (!job) return;
    this.pending.delete(jobId);
    clearTimeout(job.killTimer);
    if (job.onAbort) job.options.signal?.removeEventListener('abort', job.onAbort);
    action();
  }

  private receive(message: WorkerToHost): void {
    const job = this.pending.get(message.jobId);
    if (!job) return;
    switch (message.type) {
      case 'progress':
        job.options.onProgress?.(message.progress);
        break;
      case 'log':
        job.options.onLog?.(message.message);
        break;
      case 'done':
        this.settle(message.jobId, () => job.resolve(message.result));
        break;
      case 'cancelled':
        this.settle(message.jobId, () => job.reject(new JobCancelledError()));
        break;
      case 'failed':
        this.settle(message.jobId, () => job.reject(new JobFailedError(message.error.message, message.error.stack, message.error)));
        break;
    }
  }

  private die(error: Error): void {
    if (this.dead && this.pending.size === 0) return;
    this.dead = true;
    for (const [jobId, job] of [...this.pending]) this.settle(jobId, () => job.reject(error));
    this.onDeath();
  }
}

/** Runs one job on a fresh worker thread, never on the caller's thread; the thread ends with the job. */
export async function runJob<K extends JobKind>(kind: K, input: JobInput<K>, options: RunJobOptions = {}): Promise<JobResult<K>> {
  const thread = new JobThread();
  try {
    return await thread.run(kind, input, options);
  } finally {
    thread.terminate();
  }
}

/**
 * A long-lived worker thread for short jobs (map previews): no thread start-up per request, and still
 * never on the caller's thread. A crashed thread is replaced on the next job.
 */
export class QuickJobs {
  private thread: JobThread | null = null;

  run<K extends JobKind>(kind: K, input: JobInput<K>, options: RunJobOptions = {}): Promise<JobResult<K>> {
    this.thread ??= new JobThread(() => (this.thread = null), false);
    return this.thread.run(kind, input, options);
  }

  close(): void {
    this.thread?.terminate();
    this.thread = null;
  }
}
