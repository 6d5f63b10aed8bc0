import { EVAL_SPLITS, EvalSplitSchema } from '../../api/run.ts';
import type { CliCommand } from '../command.ts';
import { assertKnownOptions, option, parseArgs, requiredPathOption, UsageError } from '../args.ts';
import { runCliJob } from '../job-runner.ts';
import { formatMetricsTable } from '../format-metrics.ts';
import { areaRows, formatChipAreaTable } from '../format-areas.ts';

export const evaluateCommand: CliCommand = {
  path: ['evaluate'],
  summary: 'score a trained run on a split of a dataset (Dice, IoU, F1, precision, recall)',
  usage: `floodlens evaluate --run <runDir> --data <dir> [--split ${EVAL_SPLITS.join('|')}] [--checkpoint best|last] [--json]`,
  async run(argv, io) {
    const args = parseArgs(argv, ['json']);
    assertKnownOptions(args, ['run', 'data', 'split', 'checkpoint', 'json']);
    const split = EvalSplitSchema.safeParse(option(args, 'split') ?? 'test');
    if (!split.success) throw new UsageError(`--split must be one of ${EVAL_SPLITS.join(', ')}`);
    const checkpoint = option(args, 'checkpoint') ?? 'best';
    if (checkpoint !== 'best' && checkpoint !== 'last') throw new UsageError('--checkpoint must be best or last');
    const json = args.flags.has('json');
    const result = await runCliJob(
      'evaluate',
      {
        runDir: requiredPathOption(args, 'run', 'existing-folder'),
        dataDir: requiredPathOption(args, 'data', 'existing-folder'),
        chips: split.data,
        checkpoint,
      },
      io,
      json,
    );
    if (json) io.stdout(JSON.stringify(result, null, 2) + '\n');
    else {
      const table = formatMetricsTable([{ name: result.runId, report: result, extra: areaRows(result.areas) }]);
      io.stdout(
        `${result.runId} (${result.model}) on ${result.chips.length} ${result.split} chip(s), threshold ${result.threshold}\n${table}\n`,
      );
      io.stdout(
        `\nWater area per chip (over the label's valid pixels)\n${formatChipAreaTable(result.chips, [{ name: 'predicted', areas: result.areas }])}\n`,
      );
    }
    return 0;
  },
};
