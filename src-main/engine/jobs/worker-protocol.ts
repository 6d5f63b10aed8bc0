import type { JobProgress } from '../../api/jobs.ts';

/** Messages between a job host and its worker thread. */
export type HostToWorker = { type: 'start'; jobId: string; kind: string; input: unknown } | { type: 'cancel' };

export type WorkerToHost =
  | { type: 'progress'; progress: JobProgress }
  | { type: 'log'; message: string }
  | { type: 'done'; result: unknown }
  | { type: 'failed'; error: { name: string; message: string; stack?: string } }
  | { type: 'cancelled' };
