import { resolve } from 'node:path';
import type { CliCommand } from '../command.ts';
import { assertKnownOptions, numberOption, parseArgs, requiredOption, UsageError } from '../args.ts';
import { runCliJob } from '../job-runner.ts';
import { DEFAULT_PROBE_BUDGET, probeFiles } from '../../engine/probe/probe-report.ts';
import { probeMarkdown } from '../../engine/probe/probe-table.ts';

export const probeCommand: CliCommand = {
  path: ['probe'],
  summary: 'linear-probe encoder checkpoints (one per pretraining epoch): fixed budget and seed, test-split metrics table',
  usage: `floodlens probe --encoders <ckpt> [<ckpt>...] --data <dir> --out <dir> [--epochs N (${DEFAULT_PROBE_BUDGET.epochs})] [--seed N] [--batch-size N] [--lr X] [--val-split F] [--test-split F]`,
  async run(argv, io) {
    const args = parseArgs(argv);
    assertKnownOptions(args, ['encoders', 'data', 'out', 'epochs', 'seed', 'batch-size', 'lr', 'val-split', 'test-split']);
    // `--encoders a b c` leaves b and c as positionals; `--encoders a --encoders b` works too.
    const encoders = [...(args.options.get('encoders') ?? []), ...args.positionals].map((p) => resolve(p));
    if (encoders.length === 0) throw new UsageError('--encoders needs at least one checkpoint');
    const outDir = resolve(requiredOption(args, 'out'));
    const d = DEFAULT_PROBE_BUDGET;
    const report = await runCliJob(
      'probe',
      {
        encoders,
        dataDir: resolve(requiredOption(args, 'data')),
        outDir,
        epochs: numberOption(args, 'epochs', d.epochs),
        seed: numberOption(args, 'seed', d.seed),
        batchSize: numberOption(args, 'batch-size', d.batchSize),
        lr: numberOption(args, 'lr', d.lr),
        valSplit: numberOption(args, 'val-split', d.valSplit),
        testSplit: numberOption(args, 'test-split', d.testSplit),
      },
      io,
      true,
    );
    const files = probeFiles(outDir);
    io.stdout(`${probeMarkdown(report)}\n${files.json}\n${files.markdown}\n`);
    return 0;
  },
};
