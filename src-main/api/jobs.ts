import { z } from 'zod';
import { EngineError } from './errors.ts';

/** Progress of a long job (training, embedding, prediction, export), streamed to every host. */
export const JobProgressSchema = z.object({
  jobId: z.string(),
  phase: z.string(),
  /** 1-based; null when the job has no epochs. */
  epoch: z.number().int().nullable(),
  epochs: z.number().int().nullable(),
  step: z.number().int(),
  steps: z.number().int(),
  loss: z.number().nullable(),
  samplesPerSecond: z.number().nullable(),
  etaSeconds: z.number().nullable(),
  message: z.string().nullable(),
});
export type JobProgress = z.infer<typeof JobProgressSchema>;

export const JobStateSchema = z.enum(['running', 'done', 'cancelled', 'failed']);
export type JobState = z.infer<typeof JobStateSchema>;

/** Code `cancelled`: survives every transport, so a UI never has to match the message. */
export class JobCancelledError extends EngineError {
  constructor(message = 'the job was cancelled') {
    super('cancelled', message);
    this.name = 'JobCancelledError';
  }
}
