import type { RunRecord, TrainConfig } from '../../api/run.ts';
import type { RunSummary } from '../../api/runs.ts';

export function summariseRun(record: RunRecord, active: boolean): RunSummary {
  return {
    id: record.id,
    status: record.status,
    active,
    model: record.model.kind,
    dataDir: record.data.dir,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    epochsDone: record.epochs.length,
    epochsPlanned: record.config.epochs,
    bestValIou: record.best?.valIou ?? null,
    trainSeconds: record.timings.trainSeconds,
    backend: record.backend.name,
    seed: record.config.seed,
    error: record.error,
    stopReason: record.stopReason,
    maxMinutes: record.config.maxMinutes,
    collapse: record.collapse,
    baseline: record.baseline,
  };
}

/** A run whose job started but has not written run.json yet (or failed before it could). */
export function pendingSummary(
  runId: string,
  config: TrainConfig,
  createdAt: string,
  state: { active: boolean; error: string | null },
): RunSummary {
  return {
    id: runId,
    status: state.active ? 'running' : 'failed',
    active: state.active,
    model: config.model,
    dataDir: config.dataDir,
    createdAt,
    updatedAt: createdAt,
    epochsDone: 0,
    epochsPlanned: config.epochs,
    bestValIou: null,
    trainSeconds: 0,
    backend: '…',
    seed: config.seed,
    error: state.error,
    stopReason: null,
    maxMinutes: config.maxMinutes,
    collapse: null,
    baseline: null,
  };
}
