import type { EngineErrorData } from '../../api/errors.ts';
import type { JobProgress } from '../../api/jobs.ts';

/** Messages between a job host and its worker thread; a thread may run several jobs, told apart by id. */
export type HostToWorker = { type: 'start'; jobId: string; kind: string; input: unknown } | { type: 'cancel'; jobId: string };

export type WorkerToHost = { jobId: string } & (
  | { type: 'progress'; progress: JobProgress }
  | { type: 'log'; message: string }
  | { type: 'done'; result: unknown }
  | { type: 'failed'; error: EngineErrorData & { name: string; stack?: string } }
  | { type: 'cancelled' }
);
