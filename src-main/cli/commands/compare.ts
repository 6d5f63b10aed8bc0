import type { CliCommand } from '../command.ts';
import { assertKnownOptions, checkPath, option, parseArgs, pathOption, UsageError } from '../args.ts';
import { runCliJob } from '../job-runner.ts';
import { formatMetricsTable } from '../format-metrics.ts';
import { areaRows, formatChipAreaTable } from '../format-areas.ts';

export const compareCommand: CliCommand = {
  path: ['compare'],
  summary: 'score runs side by side on the same chips',
  usage: 'floodlens compare <runDir>... [--data <dir>] [--chips id,id,...] [--json]',
  async run(argv, io) {
    const args = parseArgs(argv, ['json']);
    assertKnownOptions(args, ['data', 'chips', 'json']);
    if (args.positionals.length === 0) throw new UsageError('name at least one run directory');
    const runDirs = args.positionals.map((dir) => checkPath(dir, `run folder "${dir}"`, 'existing-folder'));
    const dataDir = pathOption(args, 'data', 'existing-folder');
    const chips = option(args, 'chips');
    const chipIds = chips === undefined ? undefined : chips.split(',').map((id) => id.trim());
    if (chipIds && (chipIds.length === 0 || chipIds.some((id) => id === '')))
      throw new UsageError(`--chips must be a comma-separated list of chip ids, got "${chips}"`);
    const json = args.flags.has('json');
    const result = await runCliJob('compare', { runDirs, dataDir, chipIds }, io, json);
    if (json) {
      io.stdout(JSON.stringify(result, null, 2) + '\n');
      return 0;
    }
    const how = result.chipSet === 'named' ? 'the chips named with --chips' : "the intersection of the runs' test splits";
    io.stdout(`Compared on the same ${result.chips.length} chip(s) from ${result.dataDir} (${how}): ${result.chips.join(', ')}\n`);
    for (const warning of result.warnings) io.stdout(`warning: ${warning}\n`);
    io.stdout(
      formatMetricsTable(
        result.runs.map((run) => ({
          name: run.runId,
          report: run.evaluation,
          extra: {
            model: run.model,
            backend: run.backend,
            epochs: String(run.epochs),
            seed: String(run.seed),
            'training time': `${run.trainSeconds.toFixed(1)} s`,
            ...areaRows(run.evaluation.areas),
          },
        })),
      ) + '\n',
    );
    const columns = result.runs.map((run) => ({ name: run.runId, areas: run.evaluation.areas }));
    io.stdout(`\nWater area per chip (over the label's valid pixels)\n${formatChipAreaTable(result.chips, columns)}\n`);
    return 0;
  },
};
