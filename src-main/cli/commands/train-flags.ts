/** Train settings from command-line flags (shared by `train` and `cv`); a flag not given keeps the contract's default. */
import { resolve } from 'node:path';
import { MODEL_KINDS, ModelKindSchema, TrainConfigSchema, type TrainConfigInput } from '../../api/run.ts';
import { numberOption, option, requiredOption, UsageError, type ParsedArgs } from '../args.ts';
import { checkConfigFlags } from '../config-flags.ts';

/** Epoch cap when only --max-minutes is given: the budget (or early stopping) ends training. */
export const EPOCHS_UNDER_BUDGET = 10_000;

const NUMBER_FLAGS = {
  epochs: 'epochs', 'batch-size': 'batchSize', lr: 'lr', 'chip-size': 'chipSize', 'crops-per-chip': 'cropsPerChip',
  'water-crop-share': 'waterCropShare', 'val-split': 'valSplit', 'test-split': 'testSplit', seed: 'seed', patience: 'patience',
  threshold: 'threshold', 'max-minutes': 'maxMinutes', 'pos-weight': 'posWeight', 'warmup-steps': 'warmupSteps',
  'val-crop-size': 'valCropSize', 'val-crops-per-chip': 'valCropsPerChip',
} as const satisfies Record<string, keyof TrainConfigInput>;
const CHOICE_FLAGS = { 'otsu-band': 'otsuBand', 'lr-schedule': 'lrSchedule', normalisation: 'normalisation' } as const satisfies Record<string, keyof TrainConfigInput>;

export const TRAIN_FLAGS = ['data', 'model', 'embeddings', 'encoder', ...Object.keys(NUMBER_FLAGS), ...Object.keys(CHOICE_FLAGS), 'no-augment', 'full-chips'];

export const TRAIN_FLAGS_USAGE = `[--embeddings <dir>] [--encoder <ckpt>] [--epochs N] [--max-minutes M] [--batch-size N] [--lr X]
  [--lr-schedule constant|warmup-cosine] [--warmup-steps N] [--pos-weight W] [--chip-size N | --full-chips] [--crops-per-chip N]
  [--water-crop-share F] [--val-split F] [--test-split F] [--val-crop-size N] [--val-crops-per-chip N] [--seed N] [--patience N]
  [--threshold P] [--normalisation dataset|clay-v0] [--no-augment] [--otsu-band VH|VV]
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
  for (const [flag, field] of Object.entries(NUMBER_FLAGS)) if (option(args, flag) !== undefined) config[field] = numberOption(args, flag, 0);
  for (const [flag, field] of Object.entries(CHOICE_FLAGS)) if (option(args, flag) !== undefined) config[field] = option(args, flag);
  if (config.maxMinutes !== undefined && config.epochs === undefined) config.epochs = EPOCHS_UNDER_BUDGET;
  if (args.flags.has('full-chips')) {
    if (config.chipSize !== undefined) throw new UsageError('--full-chips and --chip-size exclude each other');
    config.chipSize = null;
  }
  if (args.flags.has('no-augment')) config.augment = false;
  return checkConfigFlags(TrainConfigSchema, config, { dataDir: 'existing-folder', embeddingsDir: 'existing-folder', encoder: 'existing-file' }, { dataDir: '--data', embeddingsDir: '--embeddings' });
}
