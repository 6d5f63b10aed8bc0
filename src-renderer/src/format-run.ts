/** Display helpers for runs and metrics. */
export const duration = (seconds: number | null) => {
  if (seconds === null || !Number.isFinite(seconds)) return '—';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
};

export const score = (value: number | null | undefined, digits = 4) =>
  value === null || value === undefined ? '—' : value.toFixed(digits);

export const STATUS_TITLES: Record<string, string> = {
  running: 'training',
  completed: 'completed',
  'stopped-early': 'stopped early',
  cancelled: 'cancelled',
  failed: 'failed',
};

/**
 * Overall ETA: the remaining steps of this epoch plus the epochs after it, at the engine's pace for this epoch, or
 * else at `measuredStepSeconds` (timed by the app from the first steps, so there is an estimate from the start).
 */
export function totalEta(
  p: { epoch: number | null; epochs: number | null; step: number; steps: number; etaSeconds: number | null },
  measuredStepSeconds: number | null = null,
): number | null {
  if (p.epoch === null || p.epochs === null || p.step > p.steps) return null;
  const remaining = p.steps - p.step + (p.epochs - p.epoch) * p.steps;
  const perStep = p.etaSeconds !== null && p.step < p.steps ? p.etaSeconds / (p.steps - p.step) : measuredStepSeconds;
  return perStep === null ? null : perStep * remaining;
}

/** Share of all training steps done, 0..1. */
export function trainFraction(p: { epoch: number | null; epochs: number | null; step: number; steps: number }): number {
  if (p.epoch === null || p.epochs === null || p.steps === 0) return 0;
  return Math.min(1, ((p.epoch - 1) * p.steps + p.step) / (p.epochs * p.steps));
}
