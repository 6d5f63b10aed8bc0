/**
 * The runs workspace as the UI sees it: run summaries, training started and watched from the UI, a run's
 * prediction on one chip as map overlays (mask, probability, error map, disagreement between two runs),
 * and exports into a folder the host chooses (never a path the UI sends). Pure TS + zod.
 */
import { z } from 'zod';
import { ChipInfoSchema } from './dataset.ts';
import { EncoderIdSchema } from './encoders.ts';
import { JobProgressSchema } from './jobs.ts';
import { ChipMetricsSchema } from './metrics.ts';
import {
  BaselineMethodSchema,
  CollapseSchema,
  EvalSplitSchema,
  ModelKindSchema,
  RUN_STATUSES,
  RunRecordSchema,
  StopReasonSchema,
  TrainConfigSchema,
} from './run.ts';

/** A run id names a folder under `<workspace>/runs/`: no separators, no leading dot. */
export const RunIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'a run id is 1–100 letters, digits, ".", "_" or "-", not starting with "."');

export const RunSummarySchema = z.object({
  id: RunIdSchema,
  status: z.enum(RUN_STATUSES),
  /** A train job for this run is running in this engine right now (a `running` run.json without one was interrupted). */
  active: z.boolean(),
  model: ModelKindSchema,
  dataDir: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  epochsDone: z.number().int(),
  epochsPlanned: z.number().int(),
  bestValIou: z.number().nullable(),
  trainSeconds: z.number(),
  backend: z.string(),
  seed: z.number().int(),
  error: z.string().nullable(),
  /** Why training ended (epochs, max-minutes, early-stopping, cancelled, failed); null while running and for baselines. */
  stopReason: StopReasonSchema.nullable(),
  /** The time budget the run was given (minutes), if any. */
  maxMinutes: z.number().nullable(),
  /** Set when the kept model's validation predictions were all water or all dry: warn, its recall means nothing. */
  collapse: CollapseSchema.nullable(),
  /** Baselines (Otsu): how they predict; null for learned runs. */
  baseline: BaselineMethodSchema.nullable(),
});
export type RunSummary = z.infer<typeof RunSummarySchema>;

export const RunDetailSchema = z.object({
  record: RunRecordSchema,
  active: z.boolean(),
  /** Latest progress of the active train job. */
  progress: JobProgressSchema.nullable(),
});
export type RunDetail = z.infer<typeof RunDetailSchema>;

const LonLat = z.tuple([z.number(), z.number()]);

export const RUN_OVERLAY_LAYERS = ['mask', 'probability', 'error'] as const;
export const RunOverlayLayerSchema = z.enum(RUN_OVERLAY_LAYERS);
export type RunOverlayLayer = z.infer<typeof RunOverlayLayerSchema>;

/** A raster overlay warped to Web Mercator, like `chip.preview` (PNG RGBA + corners for a maplibre image source). */
export const MapOverlaySchema = z.object({
  pngBase64: z.string(),
  width: z.number().int(),
  height: z.number().int(),
  corners: z.tuple([LonLat, LonLat, LonLat, LonLat]),
  legend: z.array(z.object({ label: z.string(), colour: z.string() })),
});
export type MapOverlay = z.infer<typeof MapOverlaySchema>;

/**
 * A run's prediction on a chip as numbers, so the app re-thresholds, re-scores and reads pixels without the engine.
 * Chip grid: `probabilityF32` (Float32 little-endian, base64; NaN where the input had no data) and `labelU8`
 * (1 water, 0 not water, 255 not valid; null without a label). Map grid (the `mask` overlay's, same corners):
 * `mapData` PNG with R·256+G = probability × 65535, B = label byte, A = 255 where the model had input.
 */
export const PredictionPixelsSchema = z.object({
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  probabilityF32: z.string(),
  labelU8: z.string().nullable(),
  mapData: MapOverlaySchema,
});
export type PredictionPixels = z.infer<typeof PredictionPixelsSchema>;

export const RunChipPredictionSchema = z.object({
  runId: RunIdSchema,
  chipId: z.string(),
  checkpoint: z.object({ which: z.enum(['best', 'last']), epoch: z.number().int().nullable() }),
  mask: MapOverlaySchema,
  probability: MapOverlaySchema,
  /** TP / FP / FN against the label; null when the chip has no label. */
  error: MapOverlaySchema.nullable(),
  /** This chip's metrics (null without a label). */
  metrics: ChipMetricsSchema.nullable(),
  /** The run's own probability threshold (what `mask`, `error` and `metrics` used). */
  threshold: z.number(),
  pixels: PredictionPixelsSchema,
});
export type RunChipPrediction = z.infer<typeof RunChipPredictionSchema>;

export const DisagreementSchema = z.object({
  runIds: z.tuple([RunIdSchema, RunIdSchema]),
  chipId: z.string(),
  overlay: MapOverlaySchema,
  /** Pixels where one run says water and the other not, over pixels both predicted. */
  differingPixels: z.number().int(),
  comparedPixels: z.number().int(),
});
export type Disagreement = z.infer<typeof DisagreementSchema>;

export const ExportedFileSchema = z.object({
  runId: RunIdSchema,
  chipId: z.string(),
  mask: z.string(),
  probabilities: z.string().nullable(),
});
export const ExportResultSchema = z.object({
  /** The folder written into (chosen by the host), or null when the user cancelled the folder dialog. */
  dir: z.string().nullable(),
  files: z.array(ExportedFileSchema),
  /** Masks already there: nothing was written (ask, then export again with `overwrite`). */
  existing: z.array(z.string()).default([]),
});
export type ExportResult = z.infer<typeof ExportResultSchema>;

export const RunCardExportSchema = z.object({ file: z.string().nullable() });
export type RunCardExport = z.infer<typeof RunCardExportSchema>;

const chipIds = z.array(z.string().min(1)).min(1).max(1000);

/** Request payloads of the runs API (merged into `requestSchemas` in contract.ts). */
export const runRequestSchemas = {
  'runs.list': z.object({}),
  'run.get': z.object({ runId: RunIdSchema }),
  /** `encoderId` (from `encoders.list`) sets the config's encoder to that checkpoint on the host; the UI never sends its path. */
  'run.start': z.object({ config: TrainConfigSchema, encoderId: EncoderIdSchema.optional() }),
  'run.cancel': z.object({ runId: RunIdSchema }),
  'run.resume': z.object({ runId: RunIdSchema }),
  'run.evaluate': z.object({ runId: RunIdSchema, split: EvalSplitSchema, dataDir: z.string().min(1).optional() }),
  'runs.compare': z.object({
    runIds: z.array(RunIdSchema).min(1).max(8),
    chipIds: chipIds.optional(),
    dataDir: z.string().min(1).optional(),
  }),
  'run.predictChip': z.object({ runId: RunIdSchema, chip: ChipInfoSchema }),
  'runs.disagreement': z.object({ runIds: z.tuple([RunIdSchema, RunIdSchema]), chip: ChipInfoSchema }),
  'export.masks': z.object({
    runIds: z.array(RunIdSchema).min(1).max(8),
    chipIds,
    dataDir: z.string().min(1),
    probabilities: z.boolean().default(false),
    /** Replace masks already in the export folder (else nothing is written and they are listed). */
    overwrite: z.boolean().default(false),
  }),
  'export.runCard': z.object({ runId: RunIdSchema }),
} as const;

/** Events the engine pushes while runs train and exports write. */
export const RUN_PROGRESS_EVENT = 'run.progress';
export const RunProgressEventSchema = z.object({ runId: RunIdSchema, progress: JobProgressSchema });
export type RunProgressEvent = z.infer<typeof RunProgressEventSchema>;

export const RUN_FINISHED_EVENT = 'run.finished';
export const RunFinishedEventSchema = z.object({ runId: RunIdSchema, status: z.enum(RUN_STATUSES), error: z.string().nullable() });
export type RunFinishedEvent = z.infer<typeof RunFinishedEventSchema>;

export const EXPORT_PROGRESS_EVENT = 'export.progress';
export const ExportProgressEventSchema = z.object({ done: z.number().int(), total: z.number().int(), message: z.string() });
export type ExportProgressEvent = z.infer<typeof ExportProgressEventSchema>;

/*
 * One colour-blind-safe scheme for every map layer (Okabe–Ito's eight plus Tol's indigo), no colour used twice:
 * label water blue #0072b2 (api/preview.ts), run A green, run B reddish purple, error map sky blue / vermillion /
 * yellow, disagreement orange / indigo. Footprints ramp from the label's sand to its blue.
 */
/** Error map colours: true positive, false positive, false negative. */
export const ERROR_COLOURS = {
  truePositive: [86, 180, 233],
  falsePositive: [213, 94, 0],
  falseNegative: [240, 228, 66],
} as const satisfies Record<string, readonly [number, number, number]>;

/** Disagreement colours: water only in run A, water only in run B. */
export const DISAGREEMENT_COLOURS = {
  onlyA: [230, 159, 0],
  onlyB: [51, 34, 136],
} as const satisfies Record<string, readonly [number, number, number]>;

/** Predicted water of the runs mapped as A and B. */
export const RUN_MASK_COLOURS = {
  a: [0, 158, 115],
  b: [204, 121, 167],
} as const satisfies Record<string, readonly [number, number, number]>;

export const MASK_COLOUR = RUN_MASK_COLOURS.a;

/**
 * Water probability, light yellow (0) through teal (0.5) to dark blue (1): a sequential ramp readable with any
 * colour vision, linear between these stops. The engine colours probability tiles with it, the legend draws it.
 */
export const PROBABILITY_RAMP = [
  [255, 255, 217],
  [65, 182, 196],
  [8, 29, 88],
] as const satisfies readonly (readonly [number, number, number])[];
