/** The runs workspace: run summaries, live training progress (from engine events), selection for comparison. */
import type { FloodlensClient } from '../../../src-main/api/contract.ts';
import type { JobProgress } from '../../../src-main/api/jobs.ts';
import type { TrainConfigInput } from '../../../src-main/api/run.ts';
import {
  RUN_FINISHED_EVENT,
  RUN_PROGRESS_EVENT,
  RunFinishedEventSchema,
  RunProgressEventSchema,
  type RunDetail,
  type RunFinishedEvent,
  type RunSummary,
} from '../../../src-main/api/runs.ts';

import type { LoadStatus } from './loadable.ts';

/** One training step's loss; `x` is the fractional epoch (epoch − 1 + step / steps). */
export interface LossPoint {
  x: number;
  loss: number;
}

const MAX_SELECTED = 8;

export class RunsState {
  list = $state.raw<RunSummary[]>([]);
  status = $state<LoadStatus>('idle');
  error = $state<string | null>(null);
  /** Runs picked for comparison and map layers, in the order picked (first = A, second = B). */
  selectedIds = $state<string[]>([]);
  /** The run the training panel shows. */
  watchedId = $state<string | null>(null);
  details = $state.raw<ReadonlyMap<string, RunDetail>>(new Map());
  progress = $state.raw<ReadonlyMap<string, JobProgress>>(new Map());
  losses = $state.raw<ReadonlyMap<string, LossPoint[]>>(new Map());
  /** The last training-step progress of each run (kept while it validates, so the training bar does not empty). */
  lastTrain = $state.raw<ReadonlyMap<string, JobProgress>>(new Map());
  /** Seconds per training step measured here from the first steps (an ETA before the first epoch ends). */
  stepSeconds = $state.raw<ReadonlyMap<string, number>>(new Map());
  private clocks = new Map<string, { at: number; step: number }>();
  actionError = $state<string | null>(null);
  /** Called when a run finishes training (e.g. to compare it right away). */
  onFinished: ((event: RunFinishedEvent) => void) | null = null;

  watched = $derived(this.list.find((r) => r.id === this.watchedId) ?? null);
  /** Runs A and B: the first two picked, drawn on the map. */
  mappedIds = $derived(this.selectedIds.slice(0, 2));
  /** Selected runs that can be scored: trained at least one epoch and not training right now. */
  comparableIds = $derived(this.selectedIds.filter((id) => this.list.some((r) => r.id === id && !r.active && r.epochsDone > 0)));
  selected = $derived(this.selectedIds.map((id) => this.list.find((r) => r.id === id)).filter((r): r is RunSummary => r !== undefined));

  constructor(private readonly client: FloodlensClient) {
    client.onEvent((event) => {
      if (event.event === RUN_PROGRESS_EVENT) {
        const parsed = RunProgressEventSchema.safeParse(event.payload);
        if (parsed.success) this.onProgress(parsed.data.runId, parsed.data.progress);
      } else if (event.event === RUN_FINISHED_EVENT) {
        const parsed = RunFinishedEventSchema.safeParse(event.payload);
        if (parsed.success) void this.finished(parsed.data);
      }
    });
  }

  async refresh(): Promise<void> {
    if (this.status !== 'ready') this.status = 'loading';
    try {
      this.list = await this.client.request('runs.list', {});
      this.status = 'ready';
      this.error = null;
      if (!this.watchedId) this.watchedId = this.list.find((r) => r.active)?.id ?? null;
    } catch (error) {
      this.error = (error as Error).message;
      this.status = 'error';
    }
  }

  async loadDetail(runId: string): Promise<void> {
    try {
      const detail = await this.client.request('run.get', { runId });
      this.details = new Map(this.details).set(runId, detail);
    } catch {
      // not written yet (the job is still reading the data): the next progress event retries
    }
  }

  /** `encoderId`: a checkpoint from `encoders.list` for the Clay models (the host resolves its path). */
  async start(config: TrainConfigInput, encoderId?: string): Promise<void> {
    await this.act(async () => {
      const { runId } = await this.client.request('run.start', encoderId ? { config, encoderId } : { config });
      this.watchedId = runId;
      this.losses = new Map(this.losses).set(runId, []);
      await this.refresh();
    });
  }

  async cancel(runId: string): Promise<void> {
    await this.act(() => this.client.request('run.cancel', { runId }));
  }

  async resume(runId: string): Promise<void> {
    await this.act(async () => {
      await this.client.request('run.resume', { runId });
      this.watchedId = runId;
      await this.refresh();
    });
  }

  toggleSelected(runId: string): void {
    this.selectedIds = this.selectedIds.includes(runId)
      ? this.selectedIds.filter((id) => id !== runId)
      : [...this.selectedIds, runId].slice(-MAX_SELECTED);
  }

  select(runId: string): void {
    if (!this.selectedIds.includes(runId)) this.selectedIds = [...this.selectedIds, runId].slice(-MAX_SELECTED);
  }

  private async act(action: () => Promise<unknown>): Promise<void> {
    this.actionError = null;
    try {
      await action();
    } catch (error) {
      this.actionError = (error as Error).message;
    }
  }

  private onProgress(runId: string, progress: JobProgress): void {
    const previous = this.progress.get(runId);
    this.progress = new Map(this.progress).set(runId, progress);
    if (progress.phase === 'train' && progress.epoch !== null) this.timeStep(runId, progress);
    if (progress.phase === 'train' && progress.loss !== null && progress.epoch !== null) {
      const points = [
        ...(this.losses.get(runId) ?? []),
        { x: progress.epoch - 1 + progress.step / Math.max(1, progress.steps), loss: progress.loss },
      ];
      this.losses = new Map(this.losses).set(runId, points);
    }
    // run.json changes at the start and after each epoch: fetch it when a new phase or epoch begins.
    if (!previous || previous.epoch !== progress.epoch || previous.phase !== progress.phase) {
      if (!this.list.some((r) => r.id === runId)) void this.refresh();
      void this.loadDetail(runId);
    }
  }

  private timeStep(runId: string, progress: JobProgress): void {
    this.lastTrain = new Map(this.lastTrain).set(runId, progress);
    const done = (progress.epoch! - 1) * progress.steps + progress.step;
    const clock = this.clocks.get(runId);
    if (!clock) return void this.clocks.set(runId, { at: performance.now(), step: done });
    if (done - clock.step >= 1)
      this.stepSeconds = new Map(this.stepSeconds).set(runId, (performance.now() - clock.at) / 1000 / (done - clock.step));
  }

  private async finished(event: RunFinishedEvent): Promise<void> {
    await Promise.all([this.refresh(), this.loadDetail(event.runId)]);
    const progress = new Map(this.progress);
    progress.delete(event.runId);
    this.progress = progress;
    this.onFinished?.(event);
  }
}
