/**
 * GPU memory: how many samples one kernel's buffers can hold on an adapter, and a retry that halves the
 * chunk of work (samples, tiles, rows of a window) after an out-of-memory error until it fits (down to one, then a clear error).
 * A lost device is not retried: the backend is gone, so the job fails at once with the reason.
 */
import type { GpuAdapter } from '../../api/compute.ts';

/** The GPU could not allocate what a step needed (WebGPU `GPUOutOfMemoryError`, or a buffer over the adapter's limits). */
export class GpuOutOfMemoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GpuOutOfMemoryError';
  }
}

/** The GPU device was lost (driver reset, GPU removed, out of memory at the driver): nothing more runs on it. */
export class GpuDeviceLostError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GpuDeviceLostError';
  }
}

/**
 * The most samples whose largest activation (`bytesPerSample` each) fits one storage buffer binding and
 * one buffer of the adapter; Infinity without an adapter (CPU backends have no such limit).
 */
export function maxSamplesForAdapter(
  adapter: Pick<GpuAdapter, 'maxBufferSize' | 'maxStorageBufferBindingSize'> | null,
  bytesPerSample: number,
): number {
  if (!adapter || bytesPerSample <= 0) return Infinity;
  const limit = Math.min(adapter.maxBufferSize, adapter.maxStorageBufferBindingSize);
  return Math.floor(limit / bytesPerSample);
}

export interface ShrinkingRetry<T> {
  value: T;
  /** The chunk that worked: keep using it for the next steps. */
  chunk: number;
}

/**
 * Runs `attempt(chunk)`; after a GpuOutOfMemoryError, halves the chunk and runs it again. Any other error
 * (a lost device included) propagates at once. When even one sample does not fit, the error says so.
 */
export async function retryWithSmallerChunks<T>(
  chunk: number,
  attempt: (chunk: number) => Promise<T>,
  onRetry: (next: number, error: GpuOutOfMemoryError) => void = () => undefined,
  unit = 'sample',
): Promise<ShrinkingRetry<T>> {
  let size = Math.max(1, Math.floor(chunk));
  for (;;) {
    try {
      return { value: await attempt(size), chunk: size };
    } catch (error) {
      if (!(error instanceof GpuOutOfMemoryError)) throw error;
      if (size === 1) {
        throw new GpuOutOfMemoryError(
          `${error.message}; even one ${unit} at a time does not fit the GPU's memory: use smaller chips/crops, or FLOODLENS_BACKEND=wasm`,
        );
      }
      size = Math.ceil(size / 2);
      onRetry(size, error);
    }
  }
}
