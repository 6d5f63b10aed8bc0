import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { JobCancelledError, type JobProgress } from '../../api/jobs.ts';
import type { RunRecord, TrainConfig } from '../../api/run.ts';
import type { RunFinishedEvent, RunProgressEvent, RunSummary } from '../../api/runs.ts';
import { runJob } from '../jobs/worker-host.ts';
import { pendingSummary, summariseRun } from './run-summary.ts';
import { RunWorkspace, RunWorkspaceError } from './run-workspace.ts';

export interface TrainJobEvents {
  progress(event: RunProgressEvent): void;
  finished(event: RunFinishedEvent): void;
}

interface ActiveTrain {
  controller: AbortController;
  progress: JobProgress | null;
  done: Promise<void>;
}

interface EarlyFailure {
  config: TrainConfig;
  createdAt: string;
  error: string;
}

/**
 * Training runs started from a UI: each in its own worker thread, at most one per run, with its latest
 * progress kept so a UI that (re)connects can show it. The run's state of record stays its run.json.
 */
export class TrainJobs {
  private readonly active = new Map<string, ActiveTrain & { config: TrainConfig | null; createdAt: string }>();
  /** Runs that failed before their run.json existed (bad data folder, missing embeddings…). */
  private readonly earlyFailures = new Map<string, EarlyFailure>();

  constructor(
    readonly workspace: RunWorkspace,
    private readonly events: TrainJobEvents,
  ) {}

  isActive(runId: string): boolean {
    return this.active.has(runId);
  }

  progressOf(runId: string): JobProgress | null {
    return this.active.get(runId)?.progress ?? null;
  }

  start(config: TrainConfig): string {
    const runId = this.workspace.newRunId(config.model);
    this.launch(runId, { config }, config);
    return runId;
  }

  async resume(runId: string): Promise<string> {
    if (this.active.has(runId)) throw new RunWorkspaceError(`run ${runId} is already training`);
    const record = await this.workspace.record(runId);
    if (record.status === 'completed') throw new RunWorkspaceError(`run ${runId} is complete: nothing to resume`);
    this.launch(runId, { resume: true }, null);
    return runId;
  }

  cancel(runId: string): boolean {
    const job = this.active.get(runId);
    if (!job) return false;
    job.controller.abort();
    return true;
  }

  /** Summaries of every run: run.json where it exists, else what this engine knows about the job. */
  async summaries(): Promise<RunSummary[]> {
    const records = await this.workspace.listRecords();
    const known = new Set(records.map((r) => r.id));
    const summaries = records.map((record) => summariseRun(record, this.active.has(record.id)));
    for (const [runId, job] of this.active) {
      if (!known.has(runId) && job.config)
        summaries.unshift(pendingSummary(runId, job.config, job.createdAt, { active: true, error: null }));
    }
    for (const [runId, failure] of this.earlyFailures) {
      if (!known.has(runId))
        summaries.unshift(pendingSummary(runId, failure.config, failure.createdAt, { active: false, error: failure.error }));
    }
    return summaries;
  }

  /** Resolves once every job has stopped (for a clean host shutdown). */
  async cancelAll(): Promise<void> {
    const jobs = [...this.active.values()];
    for (const job of jobs) job.controller.abort();
    await Promise.all(jobs.map((job) => job.done));
  }

  private launch(runId: string, request: { config?: TrainConfig; resume?: boolean }, config: TrainConfig | null): void {
    const outDir = this.workspace.runDir(runId);
    const controller = new AbortController();
    const createdAt = new Date().toISOString();
    const entry = { controller, progress: null as JobProgress | null, config, createdAt, done: Promise.resolve() };
    this.active.set(runId, entry);
    this.earlyFailures.delete(runId);
    entry.done = runJob(
      'train',
      { outDir, ...request },
      {
        signal: controller.signal,
        onProgress: (progress) => {
          entry.progress = progress;
          this.events.progress({ runId, progress });
        },
      },
    ).then(
      (record: RunRecord) => this.finish(runId, { runId, status: record.status, error: record.error }),
      (error: unknown) => {
        const cancelled = error instanceof JobCancelledError;
        const message = error instanceof Error ? error.message : String(error);
        if (!cancelled && config && !existsSync(join(outDir, 'run.json')))
          this.earlyFailures.set(runId, { config, createdAt, error: message });
        this.finish(runId, { runId, status: cancelled ? 'cancelled' : 'failed', error: cancelled ? null : message });
      },
    );
  }

  private finish(runId: string, event: RunFinishedEvent): void {
    this.active.delete(runId);
    this.events.finished(event);
  }
}
