/**
 * A lost GPU device (driver reset, GPU removed, the driver's own out-of-memory) must not end in a hung worker or a
 * silent failure: the job's log names the adapter and the reason, the worker re-creates the device and the tfjs
 * backend, and the job runs again — a training run resumes from its last checkpoint (run.json exists by then),
 * every other job starts over (their outputs are written atomically). A second loss fails the job with the reason.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { GpuDeviceLostError } from '../compute/gpu-memory.ts';
import type { JobContext } from '../compute/job-context.ts';
import { recoverWebGpu } from '../compute/webgpu.ts';
import type { JobInput, JobKind, JobResult, JobRunner } from './registry.ts';

export interface DeviceRetryHooks {
  /** Re-creates the device (default: a new WebGPU device and backend). */
  recover?: () => Promise<unknown>;
}

/** What to run again after a loss: a training run resumes from the run folder it wrote; other jobs as they were. */
function retryInput<K extends JobKind>(kind: K, input: JobInput<K>): JobInput<K> {
  if (kind !== 'train') return input;
  const train = input as JobInput<'train'>;
  if (!existsSync(join(train.outDir, 'run.json'))) return input;
  return { outDir: train.outDir, resume: true, testChips: train.testChips } as JobInput<K>;
}

export async function runWithDeviceRetry<K extends JobKind>(
  kind: K,
  input: JobInput<K>,
  context: JobContext,
  runner: JobRunner<K>,
  hooks: DeviceRetryHooks = {},
): Promise<JobResult<K>> {
  try {
    return await runner(input, context);
  } catch (error) {
    if (!(error instanceof GpuDeviceLostError)) throw error;
    const again = retryInput(kind, input);
    const how = kind === 'train' && again !== input ? 'resuming the run from its last checkpoint' : 'running the job again';
    context.log(`${error.message}: re-creating the GPU device and ${how}`);
    try {
      await (hooks.recover ?? recoverWebGpu)();
    } catch (recoverError) {
      const why = recoverError instanceof Error ? recoverError.message : String(recoverError);
      throw new GpuDeviceLostError(`${error.message}; the GPU could not be started again (${why}): try FLOODLENS_BACKEND=wasm`);
    }
    try {
      return await runner(again, context);
    } catch (second) {
      if (second instanceof GpuDeviceLostError)
        throw new GpuDeviceLostError(`${second.message} (lost again after a restart): try FLOODLENS_BACKEND=wasm`);
      throw second;
    }
  }
}
