import { resolve } from 'node:path';
import { MODEL_KINDS, ModelKindSchema, OTSU_BANDS, TrainConfigSchema, type TrainConfigInput } from '../../api/run.ts';
import type { CliCommand } from '../command.ts';
import { assertKnownOptions, checkPath, numberOption, option, parseArgs, requiredOption, UsageError } from '../args.ts';
import { checkConfigFlags } from '../config-flags.ts';
import { runCliJob } from '../job-runner.ts';
import { collapseWarning } from '../../engine/training/collapse.ts';

const usage = `floodlens train --data <dir> --model ${MODEL_KINDS.join('|')} --out <runDir>
  [--embeddings <dir>] [--encoder <ckpt>] [--epochs N] [--batch-size N] [--lr X] [--chip-size N] [--crops-per-chip N] [--water-crop-share F]
  [--val-split F] [--test-split F] [--seed N] [--patience N] [--threshold P] [--no-augment] [--max-minutes M]
  [--otsu-band ${OTSU_BANDS.join('|')}] [--bands B,B,…]
--bands: the input bands of a pixel model, e.g. VV,VH (default: every Clay v0 band holding data in some chip)
floodlens train --resume --out <runDir>
--max-minutes M: train as many epochs as fit in M minutes (--epochs, default 10, then only caps them when given),
  then keep the best checkpoint; run.json says why training stopped (stopReason)
otsu: fits nothing; thresholds each chip's --otsu-band (dB, default VH) at its Otsu threshold (the classic baseline)
clay-decoder / linear-probe: --encoder <ckpt> embeds what is missing into <runDir>/../embeddings/<encoder fingerprint>
(or --embeddings <dir>) and reuses it; see docs/EMBEDDINGS.md`;

export const trainCommand: CliCommand = {
  path: ['train'],
  summary: 'train a water segmentation model (scratch, clay-decoder, linear-probe)',
  usage,
  async run(argv, io) {
    const args = parseArgs(argv, ['resume', 'no-augment']);
    assertKnownOptions(args, ['data', 'model', 'out', 'embeddings', 'encoder', 'epochs', 'batch-size', 'lr', 'chip-size', 'crops-per-chip', 'water-crop-share', 'val-split', 'test-split', 'seed', 'patience', 'threshold', 'resume', 'no-augment', 'max-minutes', 'otsu-band', 'bands']);
    const outDir = checkPath(requiredOption(args, 'out'), '--out', args.flags.has('resume') ? 'existing-folder' : 'folder-or-new');
    let config: TrainConfigInput | undefined;
    if (!args.flags.has('resume')) {
      const model = ModelKindSchema.safeParse(requiredOption(args, 'model'));
      if (!model.success) throw new UsageError(`--model must be one of ${MODEL_KINDS.join(', ')}`);
      const embeddings = option(args, 'embeddings');
      const encoder = option(args, 'encoder');
      const chipSize = option(args, 'chip-size');
      const maxMinutes = option(args, 'max-minutes');
      const otsuBand = option(args, 'otsu-band') ?? 'VH';
      if (!(OTSU_BANDS as readonly string[]).includes(otsuBand)) throw new UsageError(`--otsu-band must be one of ${OTSU_BANDS.join(', ')}`);
      const bands = option(args, 'bands');
      config = {
        model: model.data,
        bands: bands === undefined ? null : (bands.split(',').map((b) => b.trim().toUpperCase()) as TrainConfigInput['bands']),
        dataDir: resolve(requiredOption(args, 'data')),
        embeddingsDir: embeddings ? resolve(embeddings) : null,
        encoder: encoder ? resolve(encoder) : null,
        // A time budget without --epochs: the budget (or early stopping) ends training.
        epochs: numberOption(args, 'epochs', maxMinutes === undefined ? 10 : EPOCHS_UNDER_BUDGET),
        maxMinutes: maxMinutes === undefined ? null : numberOption(args, 'max-minutes', 0),
        otsuBand: otsuBand as (typeof OTSU_BANDS)[number],
        batchSize: numberOption(args, 'batch-size', 4),
        lr: numberOption(args, 'lr', 1e-3),
        chipSize: chipSize === undefined ? null : numberOption(args, 'chip-size', 0),
        cropsPerChip: numberOption(args, 'crops-per-chip', 1),
        waterCropShare: numberOption(args, 'water-crop-share', 0.5),
        valSplit: numberOption(args, 'val-split', 0.2),
        testSplit: numberOption(args, 'test-split', 0.2),
        seed: numberOption(args, 'seed', 0),
        patience: numberOption(args, 'patience', 5),
        threshold: numberOption(args, 'threshold', 0.5),
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
