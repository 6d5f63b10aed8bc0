/** Inputs to a metric that cannot be scored (mismatched sizes, values outside the mask conventions). */
export class MetricsInputError extends Error {
  override readonly name = 'MetricsInputError';
  constructor(problem: string) {
    super(problem);
  }
}
