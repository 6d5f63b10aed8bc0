/** `--max-minutes`: a wall-clock budget for training, counted across resumes, with room kept for validation. */
export class TrainingBudget {
  private readonly started = performance.now();
  /** Seconds the last validation pass took: kept free at the end of the budget. */
  validationSeconds = 0;

  constructor(
    readonly maxMinutes: number | null,
    /** Training seconds spent before this process (a resumed run). */
    private readonly spentBefore = 0,
  ) {}

  /** Seconds left, or null without a budget. */
  remaining(): number | null {
    if (this.maxMinutes === null) return null;
    return this.maxMinutes * 60 - this.spentBefore - (performance.now() - this.started) / 1000;
  }

  /** Share of the budget used, 0..1, or null without a budget. */
  fractionUsed(): number | null {
    const left = this.remaining();
    return left === null || this.maxMinutes === null ? null : 1 - left / (this.maxMinutes * 60);
  }

  /** True once no time is left for more training (plus one validation pass). */
  exhausted(): boolean {
    const left = this.remaining();
    return left !== null && left <= this.validationSeconds;
  }

  /** The smaller of an epoch-based ETA and the time the budget leaves. */
  eta(epochEta: number | null): number | null {
    const left = this.remaining();
    if (left === null) return epochEta;
    return epochEta === null ? Math.max(0, left) : Math.min(epochEta, Math.max(0, left));
  }
}
