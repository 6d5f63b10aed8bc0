/** The side-by-side scores of the selected runs (`runs.compare`: every run scored on the same chips). */
import type { FloodlensClient } from '../../../src-main/api/contract.ts';
import type { Comparison } from '../../../src-main/api/run.ts';
import type { LoadStatus } from './loadable.ts';

export class ComparisonState {
  status = $state<LoadStatus>('idle');
  error = $state<string | null>(null);
  result = $state.raw<Comparison | null>(null);
  /** The runs being compared (or last compared). */
  runIds = $state<string[]>([]);
  private generation = 0;

  constructor(private readonly client: FloodlensClient) {}

  /** `chips`: score on these chips of `dataDir` instead of the runs' own test split. */
  async compare(runIds: string[], chips?: { chipIds: string[]; dataDir: string }): Promise<void> {
    if (runIds.length === 0) return;
    const generation = ++this.generation;
    this.runIds = [...runIds];
    this.status = 'loading';
    this.error = null;
    try {
      const result = await this.client.request('runs.compare', chips ? { runIds, ...chips } : { runIds });
      if (generation !== this.generation) return;
      this.result = result;
      this.status = 'ready';
    } catch (error) {
      if (generation !== this.generation) return;
      this.error = (error as Error).message;
      this.status = 'error';
    }
  }

  fail(message: string): void {
    this.generation++;
    this.error = message;
    this.status = 'error';
  }

  /** Forget the result (a new dataset was opened: its chips are not the compared ones). */
  reset(): void {
    this.generation++;
    this.status = 'idle';
    this.error = null;
    this.result = null;
    this.runIds = [];
  }

  /** Whether the shown result is for exactly these runs. */
  isFor(runIds: readonly string[]): boolean {
    return this.runIds.length === runIds.length && this.runIds.every((id, i) => id === runIds[i]);
  }
}
