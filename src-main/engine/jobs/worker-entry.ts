import { parentPort } from 'node:worker_threads';
import { toEngineErrorData } from '../../api/errors.ts';
import { JobCancelledError } from '../../api/jobs.ts';
import { LocalJobContext } from '../compute/job-context.ts';
import { isJobKind, jobRunners, type JobKind, type JobRunner } from './registry.ts';
import { runWithDeviceRetry } from './device-retry.ts';
import type { HostToWorker, WorkerToHost } from './worker-protocol.ts';

// Runs the jobs its host sends, each with its own context. Cancellation is cooperative: jobs call
// throwIfCancelled() between steps; the host terminates the thread if a job does not stop in time.
const port = parentPort;
if (!port) throw new Error('worker-entry must run in a worker thread');
const post = (message: WorkerToHost) => port.postMessage(message);
const running = new Map<string, LocalJobContext>();

port.on('message', (message: HostToWorker) => {
  if (message.type === 'cancel') running.get(message.jobId)?.cancel();
  else if (message.type === 'start') void start(message.jobId, message.kind, message.input);
});

async function start(jobId: string, kind: string, input: unknown): Promise<void> {
  const context = new LocalJobContext(
    jobId,
    (progress) => post({ jobId, type: 'progress', progress }),
    (text) => post({ jobId, type: 'log', message: text }),
  );
  running.set(jobId, context);
  try {
    if (!isJobKind(kind)) throw new Error(`unknown job kind "${kind}"`);
    const runner = (await jobRunners[kind]()) as JobRunner<JobKind>;
    const result = await runWithDeviceRetry(kind, input as never, context, runner);
    post({ jobId, type: 'done', result });
  } catch (error) {
    if (error instanceof JobCancelledError) post({ jobId, type: 'cancelled' });
    else {
      const e = error instanceof Error ? error : new Error(String(error));
      post({ jobId, type: 'failed', error: { ...toEngineErrorData(error), name: e.name, stack: e.stack } });
    }
  } finally {
    running.delete(jobId);
  }
}
