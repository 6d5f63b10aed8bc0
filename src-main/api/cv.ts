/** Leave-one-region-out cross-validation (`floodlens cv`): every predictor scored on regions it never saw. */
import { z } from 'zod';
import { ModelKindSchema } from './run.ts';

export const CV_PREDICTORS = ['model', 'otsu', 'all-water', 'no-water'] as const;
export const CvPredictorSchema = z.enum(CV_PREDICTORS);
export type CvPredictor = z.infer<typeof CvPredictorSchema>;

const iou = z.number().nullable();

/** Per predictor: IoU from the counts summed over the region's chips, and the mean of the chips' own IoUs. */
export const CvScoresSchema = z.object({ iou, perChipMeanIou: iou });

export const CvFoldSchema = z.object({
  region: z.string(),
  /** The held-out chips. */
  chips: z.array(z.string()),
  runDir: z.string().nullable(),
  /** Why the model's training ended, how many epochs it ran, its best validation IoU. */
  stopReason: z.string().nullable(),
  epochs: z.number().int(),
  trainSeconds: z.number(),
  collapse: z.string().nullable(),
  scores: z.record(CvPredictorSchema, CvScoresSchema),
  /** Per held-out chip, per predictor: the chip's IoU (null where undefined: no water labelled and none predicted). */
  perChip: z.array(z.object({ id: z.string(), iou: z.record(CvPredictorSchema, iou) })),
  error: z.string().nullable(),
});
export type CvFold = z.infer<typeof CvFoldSchema>;

export const CvReportSchema = z.object({
  dataDir: z.string(),
  model: ModelKindSchema,
  /** How regions were formed, e.g. `chip-id prefix` plus any overrides. */
  regionRule: z.string(),
  regions: z.record(z.string(), z.array(z.string())),
  config: z.record(z.string(), z.unknown()),
  folds: z.array(CvFoldSchema),
  /** Over every held-out chip of every fold: the mean of chip IoUs, per predictor. */
  perChipMeanIou: z.record(CvPredictorSchema, iou),
  /** The mean of the regions' (global) IoUs, per predictor. */
  meanRegionIou: z.record(CvPredictorSchema, iou),
  createdAt: z.string(),
  complete: z.boolean(),
});
export type CvReport = z.infer<typeof CvReportSchema>;
