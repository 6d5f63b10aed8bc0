/** Learning rate per step: constant, or a linear warm-up then a cosine decay over the run (its epochs or its time budget). */
import type { TrainConfig } from '../../api/run.ts';

/** Where the cosine ends, as a share of the base rate. */
const FINAL_SHARE = 0.05;

export interface ScheduleProgress {
  /** Steps taken so far in the run (0-based index of the next step). */
  step: number;
  /** Share of the run done, 0..1: the larger of epochs done / epochs and time spent / budget. */
  done: number;
}

export function learningRate(config: Pick<TrainConfig, 'lr' | 'lrSchedule' | 'warmupSteps'>, progress: ScheduleProgress): number {
  if (config.lrSchedule === 'constant') return config.lr;
  const warm = config.warmupSteps > 0 ? Math.min(1, (progress.step + 1) / config.warmupSteps) : 1;
  const done = Math.min(1, Math.max(0, progress.done));
  const cosine = FINAL_SHARE + (1 - FINAL_SHARE) * 0.5 * (1 + Math.cos(Math.PI * done));
  return config.lr * warm * cosine;
}
