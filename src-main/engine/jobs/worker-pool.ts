import type { JobProgress } from '../../api/jobs.ts';
import type { JobContext } from '../compute/job-context.ts';
import type { JobInput, JobKind, JobResult } from './registry.ts';
import { runJob } from './worker-host.ts';

/**
 * Runs one job per input, each on its own worker thread, all at once: the caller's cancel reaches every
 * worker, and one failed worker stops the others. `onProgress` gets the worker's index with its progress.
 */
export async function runJobsTogether<K extends JobKind>(
  kind: K,
  inputs: readonly JobInput<K>[],
  context: JobContext,
  onProgress: (index: number, progress: JobProgress) => void,
  onLog: (index: number, message: string) => void = (_index, message) => context.log(message),
): Promise<JobResult<K>[]> {
  const controller = new AbortController();
  const poll = setInterval(() => {
    if (context.cancelled) controller.abort();
  }, 200);
  try {
    return await Promise.all(
      inputs.map((input, k) =>
        runJob(kind, input, {
          signal: controller.signal,
          onProgress: (p) => onProgress(k, p),
          onLog: (message) => onLog(k, message),
        }).catch((error) => {
          controller.abort(); // one failed worker stops the others
          throw error;
        }),
      ),
    );
  } finally {
    clearInterval(poll);
  }
}
