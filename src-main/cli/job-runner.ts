import { JobCancelledError, type JobProgress } from '../api/jobs.ts';
import { runJob } from '../engine/jobs/worker-host.ts';
import type { JobInput, JobKind, JobResult } from '../engine/jobs/registry.ts';
import type { CliIo } from './command.ts';

function formatProgress(p: JobProgress): string {
  const parts = [p.phase];
  if (p.epoch !== null) parts.push(`epoch ${p.epoch}/${p.epochs}`);
  parts.push(`step ${p.step}/${p.steps}`);
  if (p.loss !== null) parts.push(`loss ${p.loss.toFixed(4)}`);
  if (p.samplesPerSecond !== null) parts.push(`${p.samplesPerSecond.toFixed(2)} samples/s`);
  if (p.etaSeconds !== null) parts.push(`ETA ${Math.round(p.etaSeconds)} s`);
  if (p.message) parts.push(p.message);
  return parts.join(' · ');
}

/** Runs an engine job on a worker thread, streaming progress to stderr; Ctrl-C cancels it cleanly. */
export async function runCliJob<K extends JobKind>(kind: K, input: JobInput<K>, io: CliIo, quiet = false): Promise<JobResult<K>> {
  const controller = new AbortController();
  const onSigint = () => {
    io.stderr('\ncancelling… (the run keeps its last checkpoint)\n');
    controller.abort();
  };
  process.once('SIGINT', onSigint);
  try {
    return await runJob(kind, input, {
      signal: controller.signal,
      onProgress: quiet ? undefined : (p) => io.stderr(formatProgress(p) + '\n'),
      onLog: (message) => io.stderr(message + '\n'),
      cancelGraceMs: 60_000,
    });
  } catch (error) {
    if (error instanceof JobCancelledError) throw new Error('cancelled');
    throw error;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
