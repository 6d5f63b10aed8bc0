/** What a bench section gets and gives: `npm run bench` runs every registered section (sections.ts). */
import type { BackendInfo } from '../../src-main/engine/compute/backend.ts';

export interface BenchContext {
  backend: BackendInfo;
  /** Timed steps per case (BENCH_STEPS, default 3). */
  steps: number;
  /** Worker counts to compare where a section runs workers (`--workers N` → [1, N]). */
  workers: number[];
  /** Human-readable progress: stderr, so stdout stays one JSON document under --json. */
  log: (line: string) => void;
}

/** One measured row: a case, the backend, and its figures (ms, ratios; null when not measured). */
export interface BenchRow {
  section: string;
  case: string;
  backend: string;
  [figure: string]: string | number | null;
}

export interface BenchSection {
  name: string;
  run(context: BenchContext): Promise<BenchRow[]>;
}
