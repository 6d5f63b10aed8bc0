import { resolve } from 'node:path';
import { MODEL_KINDS, ModelKindSchema, OTSU_BANDS, TRAIN_CONFIG_DEFAULTS, TRAIN_NUMBER_OPTIONS, TrainConfigSchema, type TrainConfigInput, type TrainNumberOption } from '../../api/run.ts';
import type { CliCommand } from '../command.ts';
import { assertKnownOptions, checkPath, numberOption, option, parseArgs, requiredOption, UsageError } from '../args.ts';
import { checkConfigFlags, flagName } from '../config-flags.ts';
import { runCliJob } from '../job-runner.ts';
import { collapseWarning } from '../../engine/training/collapse.ts';

/** `--batch-size N (4)`: every numeric option of the api's TrainConfigSchema, with its default. */
const numberFlags = TRAIN_NUMBER_OPTIONS.map((field) => ({ field, flag: flagName(field).slice(2) }));
const numberUsage = numberFlags.map(({ field, flag }) => `[--${flag} N (${TRAIN_CONFIG_DEFAULTS[field] ?? 'full chip'})]`).join(' ');

const usage = `floodlens train --data <dir> --model ${MODEL_KINDS.join('|')} --out <runDir>
  [--embeddings <dir>] [--encoder <ckpt>] ${numberUsage} [--no-augment] [--max-minutes M]
  [--otsu-band ${OTSU_BANDS.join('|')}] [--bands B,B,…]
floodlens train --resume --out <runDir>
--max-minutes M: train as many epochs as fit in M minutes (--epochs, default 10, then only caps them when given),
  then keep the best checkpoint; run.json says why training stopped (stopReason)
--bands: the input bands of a pixel model, e.g. VV,VH (default: every Clay v0 band holding data in some chip)
otsu: fits nothing; thresholds each chip's --otsu-band (dB, default VH) at its Otsu threshold (the classic baseline)
clay-decoder / linear-probe: --encoder <ckpt> embeds what is missing into <runDir>/../embeddings/<encoder fingerprint>
(or --embeddings <dir>) and reuses it; see docs/EMBEDDINGS.md`;

export const trainCommand: CliCommand = {
  path: ['train'],
  summary: 'train a water segmentation model (scratch, clay-decoder, linear-probe)',
  usage,
  async run(argv, io) {
    const args = parseArgs(argv, ['resume', 'no-augment']);
    assertKnownOptions(args, ['data', 'model', 'out', 'embeddings', 'encoder', ...numberFlags.map(({ flag }) => flag), 'resume', 'no-augment', 'max-minutes', 'otsu-band', 'bands']);
    const outDir = checkPath(requiredOption(args, 'out'), '--out', args.flags.has('resume') ? 'existing-folder' : 'folder-or-new');
    let config: TrainConfigInput | undefined;
    if (!args.flags.has('resume')) {
      const model = ModelKindSchema.safeParse(requiredOption(args, 'model'));
      if (!model.success) throw new UsageError(`--model must be one of ${MODEL_KINDS.join(', ')}`);
      const embeddings = option(args, 'embeddings');
      const encoder = option(args, 'encoder');
      const numbers = Object.fromEntries(
        numberFlags.map(({ field, flag }) => [field, option(args, flag) === undefined ? TRAIN_CONFIG_DEFAULTS[field] : numberOption(args, flag, 0)]),
      ) as Pick<TrainConfigInput, TrainNumberOption>;
      const maxMinutes = option(args, 'max-minutes');
      const otsuBand = option(args, 'otsu-band') ?? 'VH';
      if (!(OTSU_BANDS as readonly string[]).includes(otsuBand)) throw new UsageError(`--otsu-band must be one of ${OTSU_BANDS.join(', ')}`);
      const bands = option(args, 'bands');
      config = {
        model: model.data,
        dataDir: resolve(requiredOption(args, 'data')),
        embeddingsDir: embeddings ? resolve(embeddings) : null,
        encoder: encoder ? resolve(encoder) : null,
        ...numbers,
        // A time budget without --epochs: the budget (or early stopping) ends training.
        epochs: option(args, 'epochs') === undefined && maxMinutes !== undefined ? EPOCHS_UNDER_BUDGET : numbers.epochs,
        maxMinutes: maxMinutes === undefined ? null : numberOption(args, 'max-minutes', 0),
        otsuBand: otsuBand as (typeof OTSU_BANDS)[number],
        bands: bands === undefined ? null : (bands.split(',').map((b) => b.trim().toUpperCase()) as TrainConfigInput['bands']),
        augment: !args.flags.has('no-augment'),
      };
      checkConfigFlags(TrainConfigSchema, config, { dataDir: 'existing-folder', embeddingsDir: 'existing-folder', encoder: 'existing-file' }, { dataDir: '--data', embeddingsDir: '--embeddings' });
    } else if (args.options.size > 1) {
      throw new UsageError('--resume takes only --out: the run keeps its own config');
    }
    const record = await runCliJob('train', { outDir, config, resume: args.flags.has('resume') }, io);
    const last = record.epochs.at(-1);
    if (record.baseline) {
      io.stdout(`run ${record.id}: ${record.model.kind} baseline (${record.baseline.rule}); val IoU ${record.best?.valIou?.toFixed(4) ?? 'n/a'}\n${outDir}/run.json\n`);
      return 0;
    }
    if (record.collapse) io.stderr(`warning: ${collapseWarning(record.collapse, `the kept model (epoch ${record.best?.epoch}) on the validation chips`)}\n`);
    io.stdout(
      `run ${record.id}: ${record.status} after ${record.epochs.length} epoch(s) on ${record.backend.name} (stopped by: ${record.stopReason ?? '-'}); ` +
        `best epoch ${record.best?.epoch ?? '-'} (val IoU ${record.best?.valIou?.toFixed(4) ?? 'n/a'}); last train loss ${last?.trainLoss.toFixed(4) ?? 'n/a'}\n` +
        `${outDir}/run.json\n`,
    );
    return 0;
  },
};

/** Epoch cap when only --max-minutes is given. */
export const EPOCHS_UNDER_BUDGET = 10_000;
