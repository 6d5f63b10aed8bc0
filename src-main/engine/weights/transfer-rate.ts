/** Progress of one download, as reported to `onProgress`. */
export interface DownloadProgress {
  /** Bytes in the destination so far, including a resumed part. */
  bytes: number;
  /** Full file size, or null when the server did not say. */
  total: number | null;
  /** Bytes already on disk when this call started (0 for a fresh download). */
  resumedFrom: number;
  /** Recent transfer speed, bytes per second (0 until measurable). */
  bytesPerSecond: number;
  /** Estimated seconds left, or null when the total or the speed is unknown. */
  etaSeconds: number | null;
  done: boolean;
}

/**
 * Speed over a sliding window of recent samples, so the ETA follows the current speed
 * rather than the average since the start (which a stall or a fast start would skew).
 */
export class TransferRate {
  private readonly samples: { time: number; bytes: number }[] = [];

  constructor(
    private readonly windowMs = 5000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  record(bytes: number): void {
    const time = this.now();
    this.samples.push({ time, bytes });
    while (this.samples.length > 2 && time - this.samples[1].time >= this.windowMs) this.samples.shift();
  }

  bytesPerSecond(): number {
    if (this.samples.length < 2) return 0;
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    const seconds = (last.time - first.time) / 1000;
    return seconds > 0 ? (last.bytes - first.bytes) / seconds : 0;
  }

  progress(bytes: number, total: number | null, resumedFrom: number, done: boolean): DownloadProgress {
    const bytesPerSecond = this.bytesPerSecond();
    const etaSeconds = done ? 0 : total !== null && bytesPerSecond > 0 ? Math.max(0, total - bytes) / bytesPerSecond : null;
    return { bytes, total, resumedFrom, bytesPerSecond, etaSeconds, done };
  }
}
