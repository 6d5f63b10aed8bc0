import { MODEL_KINDS, type TrainConfigInput } from '../../api/run.ts';
import type { CliCommand } from '../command.ts';
import { assertKnownOptions, checkPath, parseArgs, requiredOption, UsageError } from '../args.ts';
import { TRAIN_FLAGS, TRAIN_FLAGS_USAGE, trainConfigFromArgs } from './train-flags.ts';
import { runCliJob } from '../job-runner.ts';
import { collapseWarning } from '../../engine/training/collapse.ts';

const usage = `floodlens train --data <dir> --model ${MODEL_KINDS.join('|')} --out <runDir>
  ${TRAIN_FLAGS_USAGE}
floodlens train --resume --out <runDir>
clay-decoder / linear-probe: --encoder <ckpt> embeds what is missing into <runDir>/../embeddings/<encoder fingerprint>
(or --embeddings <dir>) and reuses it; see docs/EMBEDDINGS.md
otsu: fits nothing; thresholds each chip's --otsu-band (dB, default VH) at its Otsu threshold (the classic baseline)`;

export const trainCommand: CliCommand = {
  path: ['train'],
  summary: 'train a water segmentation model (scratch, clay-decoder, linear-probe) or set up the Otsu baseline',
  usage,
  async run(argv, io) {
    const args = parseArgs(argv, ['resume', 'no-augment', 'full-chips']);
    assertKnownOptions(args, ['out', 'resume', ...TRAIN_FLAGS]);
    const outDir = checkPath(requiredOption(args, 'out'), '--out', args.flags.has('resume') ? 'existing-folder' : 'folder-or-new');
    let config: TrainConfigInput | undefined;
    if (!args.flags.has('resume')) config = trainConfigFromArgs(args);
    else if (args.options.size > 1) throw new UsageError('--resume takes only --out: the run keeps its own config');
    const record = await runCliJob('train', { outDir, config, resume: args.flags.has('resume') }, io);
    const last = record.epochs.at(-1);
    if (record.baseline) {
      io.stdout(
        `run ${record.id}: ${record.model.kind} baseline (${record.baseline.rule}); val IoU ${record.best?.valIou?.toFixed(4) ?? 'n/a'}\n${outDir}/run.json\n`,
      );
      return 0;
    }
    if (record.collapse)
      io.stderr(`warning: ${collapseWarning(record.collapse, `the kept model (epoch ${record.best?.epoch}) on the validation chips`)}\n`);
    io.stdout(
      `run ${record.id}: ${record.status} after ${record.epochs.length} epoch(s) on ${record.backend.name} (stopped by: ${record.stopReason ?? '-'}); ` +
        `best epoch ${record.best?.epoch ?? '-'} (val IoU ${record.best?.valIou?.toFixed(4) ?? 'n/a'}); last train loss ${last?.trainLoss.toFixed(4) ?? 'n/a'}\n` +
        `${outDir}/run.json\n`,
    );
    return 0;
  },
};
