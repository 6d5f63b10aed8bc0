import { JobCancelledError, type JobProgress } from '../../api/jobs.ts';

/** What a running job gets from its host: a way to report progress and to notice cancellation. */
export interface JobContext {
  readonly jobId: string;
  progress(update: Omit<JobProgress, 'jobId'>): void;
  log(message: string): void;
  readonly cancelled: boolean;
  /** Throws JobCancelledError once cancellation was requested; call it between steps. */
  throwIfCancelled(): void;
}

export class LocalJobContext implements JobContext {
  private cancelRequested = false;

  constructor(
    readonly jobId: string,
    private readonly onProgress: (progress: JobProgress) => void = () => undefined,
    private readonly onLog: (message: string) => void = () => undefined,
  ) {}

  progress(update: Omit<JobProgress, 'jobId'>): void {
    this.onProgress({ jobId: this.jobId, ...update });
  }

  log(message: string): void {
    this.onLog(message);
  }

  cancel(): void {
    this.cancelRequested = true;
  }

  get cancelled(): boolean {
    return this.cancelRequested;
  }

  throwIfCancelled(): void {
    if (this.cancelRequested) throw new JobCancelledError();
  }
}

/**
 * Lets the thread's event loop run: a cancel message from the host is a macrotask, so a loop that only awaits
 * resolved promises (samples cached in memory, synchronous wasm kernels) never sees it until the loop ends.
 * Call it before `throwIfCancelled()` in step loops.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Estimated seconds left, from the rate so far. */
export function etaSeconds(done: number, total: number, elapsedSeconds: number): number | null {
  if (done <= 0 || elapsedSeconds <= 0) return null;
  return Math.max(0, ((total - done) * elapsedSeconds) / done);
}
