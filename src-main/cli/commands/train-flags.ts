/** Train settings from command-line flags (shared by `train` and `cv`); a flag not given keeps the contract's default. */
import { resolve } from 'node:path';
import {
  MODEL_KINDS,
  ModelKindSchema,
  TRAIN_CONFIG_DEFAULTS,
  TRAIN_NUMBER_OPTIONS,
  TrainConfigSchema,
  type TrainConfigInput,
  type TrainNumberOption,
} from '../../api/run.ts';
import { numberOption, option, requiredOption, UsageError, type ParsedArgs } from '../args.ts';
import { checkConfigFlags, flagName } from '../config-flags.ts';

/** Epoch cap when only --max-minutes is given: the budget (or early stopping) ends training. */
export const EPOCHS_UNDER_BUDGET = 10_000;

/** Every numeric option of the api's TrainConfigSchema as `--kebab-case N`. */
const NUMBER_FLAGS: Record<string, TrainNumberOption> = Object.fromEntries(
  TRAIN_NUMBER_OPTIONS.map((field) => [flagName(field).slice(2), field]),
);
const CHOICE_FLAGS = { 'otsu-band': 'otsuBand', 'lr-schedule': 'lrSchedule', normalisation: 'normalisation' } as const satisfies Record<
  string,
  keyof TrainConfigInput
>;

export const TRAIN_FLAGS = [
  'data',
  'model',
  'embeddings',
  'encoder',
  ...Object.keys(NUMBER_FLAGS),
  ...Object.keys(CHOICE_FLAGS),
  'bands',
  'no-augment',
  'full-chips',
];

/** What a null default means, per option. */
const NULL_DEFAULTS: Partial<Record<TrainNumberOption, string>> = {
  chipSize: 'full chip',
  valCropSize: 'whole chips',
  encoderTile: 'Clay v1.5 256, v0 whole chip; 0 = whole chip',
  trainWorkers: 'wasm/cpu: one per core, linear-probe 1; GPU: 1',
};
const numberUsage = Object.entries(NUMBER_FLAGS)
  .map(([flag, field]) => `[--${flag} N (${TRAIN_CONFIG_DEFAULTS[field] ?? NULL_DEFAULTS[field] ?? 'none'})]`)
  .join(' ');

export const TRAIN_FLAGS_USAGE = `[--embeddings <dir>] [--encoder <ckpt>] ${numberUsage} [--full-chips]
  [--lr-schedule constant|warmup-cosine] [--normalisation dataset|clay-v0] [--no-augment] [--otsu-band VH|VV]
  [--bands B,B,…]
--bands: the input bands of a pixel model, e.g. VV,VH (default: the bands every chip holds)
--max-minutes M: train as many epochs as fit in M minutes (then --epochs only caps them), keep the best checkpoint;
  run.json says why training stopped (stopReason). Defaults: docs/TRAINING.md`;

export function trainConfigFromArgs(args: ParsedArgs): TrainConfigInput {
  const model = ModelKindSchema.safeParse(requiredOption(args, 'model'));
  if (!model.success) throw new UsageError(`--model must be one of ${MODEL_KINDS.join(', ')}`);
  const config: Record<string, unknown> = { model: model.data, dataDir: resolve(requiredOption(args, 'data')) };
  const embeddings = option(args, 'embeddings');
  const encoder = option(args, 'encoder');
  if (embeddings) config.embeddingsDir = resolve(embeddings);
  if (encoder) config.encoder = resolve(encoder);
  for (const [flag, field] of Object.entries(NUMBER_FLAGS))
    if (option(args, flag) !== undefined) config[field] = numberOption(args, flag, 0);
  for (const [flag, field] of Object.entries(CHOICE_FLAGS)) if (option(args, flag) !== undefined) config[field] = option(args, flag);
  if (config.maxMinutes !== undefined && config.epochs === undefined) config.epochs = EPOCHS_UNDER_BUDGET;
  if (args.flags.has('full-chips')) {
    if (config.chipSize !== undefined) throw new UsageError('--full-chips and --chip-size exclude each other');
    config.chipSize = null;
  }
  const bands = option(args, 'bands');
  if (bands !== undefined) config.bands = bands.split(',').map((band) => band.trim().toUpperCase());
  if (args.flags.has('no-augment')) config.augment = false;
  return checkConfigFlags(
    TrainConfigSchema,
    config,
    { dataDir: 'existing-folder', embeddingsDir: 'existing-folder', encoder: 'existing-file' },
    { dataDir: '--data', embeddingsDir: '--embeddings' },
  );
}
