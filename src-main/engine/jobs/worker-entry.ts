import { parentPort } from 'node:worker_threads';
import { JobCancelledError } from '../../api/jobs.ts';
import { LocalJobContext } from './job-context.ts';
import { isJobKind, jobRunners, type JobKind, type JobRunner } from './registry.ts';
import type { HostToWorker, WorkerToHost } from './worker-protocol.ts';

// Runs one job per worker thread. Cancellation is cooperative: jobs call throwIfCancelled()
// between steps; the host terminates the thread if a job does not stop in time.
const port = parentPort;
if (!port) throw new Error('worker-entry must run in a worker thread');
const post = (message: WorkerToHost) => port.postMessage(message);
let context: LocalJobContext | null = null;

port.on('message', (message: HostToWorker) => {
  if (message.type === 'cancel') {
    context?.cancel();
    return;
  }
  if (message.type === 'start') void start(message.jobId, message.kind, message.input);
});

async function start(jobId: string, kind: string, input: unknown): Promise<void> {
  context = new LocalJobContext(
    jobId,
    (progress) => post({ type: 'progress', progress }),
    (text) => post({ type: 'log', message: text }),
  );
  try {
    if (!isJobKind(kind)) throw new Error(`unknown job kind "${kind}"`);
    const runner = (await jobRunners[kind]()) as JobRunner<JobKind>;
    const result = await runner(input as never, context);
    post({ type: 'done', result });
  } catch (error) {
    if (error instanceof JobCancelledError) post({ type: 'cancelled' });
    else {
      const e = error instanceof Error ? error : new Error(String(error));
      post({ type: 'failed', error: { name: e.name, message: e.message, stack: e.stack } });
    }
  }
}
