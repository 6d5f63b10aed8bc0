/**
 * A training run as recorded in `<runDir>/run.json`: everything needed to reproduce it (config, seed,
 * data fingerprint, split, backend, versions) and everything it measured (per-epoch loss and metrics).
 */
import { z } from 'zod';
import { ComputeBackendSchema } from './compute.ts';
import { CanonicalBandSchema } from './dataset.ts';
import { MetricsReportSchema, ScoresAndCountsSchema } from './metrics.ts';

/**
 * How pixels are scaled before a pixel model sees them: Clay v0's statistics (S1 as linear power), or
 * per-band mean/std of the run's training chips with S1 in dB (the from-scratch default).
 */
export const InputNormalisationSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('clay-v0') }),
  z.object({
    kind: z.literal('dataset'),
    bands: z.array(z.string()),
    mean: z.array(z.number()),
    std: z.array(z.number()),
    s1Units: z.literal('dB'),
  }),
]);
export type InputNormalisation = z.infer<typeof InputNormalisationSchema>;

/** `otsu` is the classic non-learned baseline: it fits nothing and thresholds each chip on its own. */
export const MODEL_KINDS = ['scratch', 'clay-decoder', 'linear-probe', 'otsu'] as const;
export const ModelKindSchema = z.enum(MODEL_KINDS);
export type ModelKind = z.infer<typeof ModelKindSchema>;
export const isBaselineKind = (kind: ModelKind) => kind === 'otsu';
/** Heads on a Clay encoder's embeddings: they encode the input (and its place and date) with the run's encoder. */
export const isEncoderHeadKind = (kind: ModelKind) => kind === 'clay-decoder' || kind === 'linear-probe';

/** Radar bands an Otsu baseline can threshold (in dB; Sen1Floods11's own Otsu labels use VH). */
export const OTSU_BANDS = ['VH', 'VV'] as const;

/** How a baseline run predicts (recorded in run.json, shown on the run card). */
export const BaselineMethodSchema = z.object({
  method: z.literal('otsu'),
  band: z.enum(OTSU_BANDS),
  units: z.literal('dB'),
  /** The threshold is computed on each chip's own histogram (a scene is one image: one threshold over the whole scene). */
  scope: z.literal('chip'),
  bins: z.number().int(),
  rule: z.string(),
});
export type BaselineMethod = z.infer<typeof BaselineMethodSchema>;

/** Why training stopped: the epoch budget, the time budget, early stopping, a cancel, or an error. */
export const STOP_REASONS = ['epochs', 'max-minutes', 'early-stopping', 'cancelled', 'failed'] as const;
export const StopReasonSchema = z.enum(STOP_REASONS);
export type StopReason = z.infer<typeof StopReasonSchema>;

/** Validation predictions that are (nearly) all one class: the model collapsed to a trivial predictor. */
export const CollapseSchema = z.enum(['all-water', 'no-water']);
export type Collapse = z.infer<typeof CollapseSchema>;

export const TrainConfigSchema = z.object({
  model: ModelKindSchema,
  dataDir: z.string().min(1),
  /** Folder of precomputed embeddings (clay-decoder, linear-probe); see docs/EMBEDDINGS.md. */
  embeddingsDir: z.string().nullable().default(null),
  encoder: z.string().nullable().default(null),
  epochs: z.number().int().positive().default(10),
  batchSize: z.number().int().positive().default(4),
  lr: z.number().positive().default(1e-3),
  /** Square random-crop edge for training; null trains on full chips (docs/TRAINING.md: a 512² step costs 64 steps of 64²). */
  chipSize: z.number().int().min(16, 'must be at least 16 px (the smallest crop the nets learn from)').max(8192).nullable().default(64),
  /** Random crops drawn from each training chip per epoch (more steps per epoch on small datasets). */
  cropsPerChip: z.number().int().positive().default(4),
  /** Share of random crops centred on a labelled-water pixel (0 = uniform crops only). */
  waterCropShare: z.number().min(0).max(1).default(0.5),
  valSplit: z.number().min(0).max(0.9).default(0.2),
  testSplit: z.number().min(0).max(0.9).default(0.2),
  seed: z.number().int().nonnegative().default(0),
  /** Pixel models: `dataset` standardises with the training chips' statistics, `clay-v0` with Clay's. */
  normalisation: z.enum(['dataset', 'clay-v0']).default('dataset'),
  /** Random flips and quarter turns of training samples. */
  augment: z.boolean().default(true),
  /** Stop after this many epochs without a better validation IoU (0 disables early stopping). */
  patience: z.number().int().nonnegative().default(5),
  /** Probability above which a pixel is predicted water. */
  threshold: z.number().gt(0).lt(1).default(0.5),
  /** Time budget: train as many epochs as fit (up to `epochs`), then stop with the best checkpoint; null = no budget. */
  maxMinutes: z.number().positive().nullable().default(null),
  /** Weight of water pixels in the BCE (PyTorch's pos_weight); 1 = plain BCE. */
  posWeight: z.number().positive().default(1),
  /** `warmup-cosine`: linear warm-up over `warmupSteps`, then a cosine decay over the run's epochs or time budget. */
  lrSchedule: z.enum(['constant', 'warmup-cosine']).default('constant'),
  warmupSteps: z.number().int().nonnegative().default(0),
  /** Pixel models validate on this many fixed crops of this edge per validation chip (null: whole chips). */
  valCropSize: z.number().int().positive().nullable().default(128),
  valCropsPerChip: z.number().int().positive().default(4),
  /** `otsu` runs: the band thresholded. */
  otsuBand: z.enum(OTSU_BANDS).default('VH'),
  /** Pixel models: the input bands (Clay v0 order is kept); null = the bands every chip with image data holds (none in common: every band with data). */
  bands: z.array(CanonicalBandSchema).min(1).nullable().default(null),
  /**
   * Encoder runs: side of the square tiles larger chips are encoded in, their patch grids stitched into the
   * chip's grid; 0 = whole chips; null = the encoder's default (Clay v1.5: 256, Clay v0: whole 512² chips).
   */
  encoderTile: z.number().int().nonnegative().nullable().default(null),
  /**
   * Threads computing a step's gradients on wasm/cpu (data-parallel: each takes some of the batch's samples; any
   * count trains the same run); null = one per core, capped at the batch size (linear-probe: one). GPU backends and
   * tfjs-node use one (docs/TRAINING.md).
   */
  trainWorkers: z.number().int().positive().max(256).nullable().default(null),
});
export type TrainConfig = z.infer<typeof TrainConfigSchema>;
export type TrainConfigInput = z.input<typeof TrainConfigSchema>;

/** Every optional train option with its default, from the schema: the CLI's flags and the app's form start here. */
export const TRAIN_CONFIG_DEFAULTS = TrainConfigSchema.omit({ model: true, dataDir: true }).parse({});

/** The numeric train options (CLI `--kebab-case N`, number fields in the app's form); `chipSize` null = full chips. */
export const TRAIN_NUMBER_OPTIONS = [
  'epochs',
  'batchSize',
  'lr',
  'chipSize',
  'cropsPerChip',
  'waterCropShare',
  'valSplit',
  'testSplit',
  'seed',
  'patience',
  'threshold',
  'maxMinutes',
  'posWeight',
  'warmupSteps',
  'valCropSize',
  'valCropsPerChip',
  'encoderTile',
  'trainWorkers',
] as const satisfies readonly (keyof TrainConfig)[];
export type TrainNumberOption = (typeof TRAIN_NUMBER_OPTIONS)[number];

export const SplitSchema = z.object({
  train: z.array(z.string()),
  val: z.array(z.string()),
  test: z.array(z.string()),
});

export const EpochRecordSchema = z.object({
  epoch: z.number().int().positive(),
  trainLoss: z.number(),
  /** Global validation metrics (null when there is no validation chip). */
  val: ScoresAndCountsSchema.nullable(),
  valLoss: z.number().nullable(),
  seconds: z.number(),
  samples: z.number().int(),
  samplesPerSecond: z.number(),
  /** Set when the validation predictions were all water or all dry (a collapsed model). */
  collapse: CollapseSchema.nullable().default(null),
});
export type EpochRecord = z.infer<typeof EpochRecordSchema>;

export const RUN_STATUSES = ['running', 'completed', 'stopped-early', 'cancelled', 'failed'] as const;

/** What an encoder actually saw (clay-decoder / linear-probe runs with an encoder): shown on the run card. */
export const EncoderInputsSchema = z.object({
  version: z.enum(['v0', 'v1.5']),
  /** The distinct encoder inputs used over the run's chips, e.g. `clay-v1.5 sentinel-1-rtc [VV, VH] gsd 10`. */
  recipes: z.array(z.string()),
  /** Side of the square tiles chips were encoded in (grids stitched), null = whole chips (absent in older records). */
  encoderTile: z.number().int().positive().nullable().optional(),
  /**
   * Bands the encoder requires that the chips lacked and that were fed as 0 after normalisation (the band's
   * mean): Clay v0's fixed 13 bands on Sentinel-1-only chips. Clay v1.5 encodes the bands a chip has.
   */
  zeroFilledBands: z.array(z.string()),
  /** Chips that had at least one band zero-filled. */
  chipsZeroFilled: z.number().int(),
  /** One sentence for people. */
  summary: z.string(),
});
export type EncoderInputs = z.infer<typeof EncoderInputsSchema>;

export const RunRecordSchema = z.object({
  formatVersion: z.literal(1),
  id: z.string(),
  status: z.enum(RUN_STATUSES),
  createdAt: z.string(),
  updatedAt: z.string(),
  config: TrainConfigSchema,
  data: z.object({
    dir: z.string(),
    /** SHA-256 over the chip ids and the bytes of every file the run read. */
    fingerprint: z.string(),
    chips: z.number().int(),
    /** Input channels of the model, in order (scratch: canonical bands; embeddings: "embedding"). */
    inputBands: z.array(z.string()),
    /** The scaling the model's inputs got (pixel models); null for embeddings. */
    normalisation: InputNormalisationSchema.nullable(),
    split: SplitSchema,
    /** Input problems the run worked around (missing bands, nodata set to 0, unreadable chips). */
    notes: z.array(z.string()),
    /** Runs on an encoder's embeddings: what the encoder saw (absent in older records and pixel runs). */
    encoderInputs: EncoderInputsSchema.optional(),
  }),
  model: z.object({
    kind: ModelKindSchema,
    parameters: z.number().int(),
    inputChannels: z.number().int(),
  }),
  backend: ComputeBackendSchema,
  versions: z.object({ floodlens: z.string(), tfjs: z.string(), node: z.string(), platform: z.string() }),
  epochs: z.array(EpochRecordSchema),
  best: z.object({ epoch: z.number().int(), valIou: z.number().nullable() }).nullable(),
  timings: z.object({ trainSeconds: z.number(), resumedTimes: z.number().int() }),
  /** Threads that computed gradients in the latest start, the trainer's included (absent in older runs and baselines). */
  trainWorkers: z.number().int().positive().optional(),
  error: z.string().nullable(),
  /** Why the training loop ended (null while running, and for baselines). */
  stopReason: StopReasonSchema.nullable().default(null),
  /** The kept (best) model's validation predictions were all water or all dry. */
  collapse: CollapseSchema.nullable().default(null),
  /** Baseline runs (`otsu`): how they predict. */
  baseline: BaselineMethodSchema.nullable().default(null),
});
export type RunRecord = z.infer<typeof RunRecordSchema>;

export const EVAL_SPLITS = ['test', 'val', 'train', 'all'] as const;
export const EvalSplitSchema = z.enum(EVAL_SPLITS);
export type EvalSplit = z.infer<typeof EvalSplitSchema>;

const km2 = z.number().min(0);

/** True ground areas (geo/pixel-area) over a chip's label-valid pixels, so predicted and labelled water compare like for like. */
export const ChipWaterAreaSchema = z.object({ id: z.string(), predictedWaterKm2: km2, labelWaterKm2: km2, validAreaKm2: km2 });
export type ChipWaterArea = z.infer<typeof ChipWaterAreaSchema>;

export const WaterAreasSchema = z.object({
  /** Chips without a usable georeference are left out (`total.chips` says how many count). */
  perChip: z.array(ChipWaterAreaSchema),
  total: z.object({ predictedWaterKm2: km2, labelWaterKm2: km2, validAreaKm2: km2, chips: z.number().int().min(0) }),
});
export type WaterAreas = z.infer<typeof WaterAreasSchema>;

/** `<runDir>/eval-<name>.json`: the metrics report plus what was evaluated, with what. */
export const EvaluationRecordSchema = MetricsReportSchema.extend({
  run: z.string(),
  runId: z.string(),
  model: ModelKindSchema,
  dataDir: z.string(),
  /** Which chips: a split of the run, or `chips` when named explicitly (e.g. by compare). */
  split: z.union([EvalSplitSchema, z.literal('chips')]),
  chips: z.array(z.string()),
  threshold: z.number(),
  checkpoint: z.object({ which: z.enum(['best', 'last']), epoch: z.number().int().nullable() }),
  backend: z.string(),
  createdAt: z.string(),
  /** Water areas in km² per chip and in total (absent in records written before areas were reported). */
  areas: WaterAreasSchema.optional(),
});
export type EvaluationRecord = z.infer<typeof EvaluationRecordSchema>;

/** `compare`: every run scored on one chip set, side by side. */
export const ComparisonSchema = z.object({
  dataDir: z.string(),
  chips: z.array(z.string()),
  /** How the chip set was chosen. */
  chipSet: z.enum(['intersection-of-test-splits', 'named']),
  warnings: z.array(z.string()),
  runs: z.array(
    z.object({
      runDir: z.string(),
      runId: z.string(),
      model: ModelKindSchema,
      backend: z.string(),
      epochs: z.number().int(),
      trainSeconds: z.number(),
      seed: z.number().int(),
      evaluation: EvaluationRecordSchema,
    }),
  ),
});
export type Comparison = z.infer<typeof ComparisonSchema>;
