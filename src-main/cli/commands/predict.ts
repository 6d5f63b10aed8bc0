import type { CliCommand } from '../command.ts';
import { assertKnownOptions, option, parseArgs, requiredPathOption, UsageError } from '../args.ts';
import { runCliJob } from '../job-runner.ts';
import { EVAL_SPLITS, EvalSplitSchema } from '../../api/run.ts';
import { COMPLETION_FILE } from '../../engine/fs/completion.ts';

export const predictCommand: CliCommand = {
  path: ['predict'],
  summary: 'write water masks (and probabilities) as GeoTIFFs on each chip’s grid',
  usage: `floodlens predict --run <runDir> --data <dir> --out <dir> [--probabilities] [--split ${EVAL_SPLITS.join('|')}] [--checkpoint best|last]`,
  async run(argv, io) {
    const args = parseArgs(argv, ['probabilities']);
    assertKnownOptions(args, ['run', 'data', 'out', 'probabilities', 'split', 'checkpoint']);
    const split = EvalSplitSchema.safeParse(option(args, 'split') ?? 'all');
    if (!split.success) throw new UsageError(`--split must be one of ${EVAL_SPLITS.join(', ')}`);
    const checkpoint = option(args, 'checkpoint') ?? 'best';
    if (checkpoint !== 'best' && checkpoint !== 'last') throw new UsageError('--checkpoint must be best or last');
    const result = await runCliJob(
      'predict',
      {
        runDir: requiredPathOption(args, 'run', 'existing-folder'),
        dataDir: requiredPathOption(args, 'data', 'existing-folder'),
        outDir: requiredPathOption(args, 'out', 'folder-or-new'),
        probabilities: args.flags.has('probabilities'),
        chips: split.data,
        checkpoint,
      },
      io,
    );
    for (const chip of result.chips) io.stdout(`${chip.files.mask}${chip.files.probabilities ? `\n${chip.files.probabilities}` : ''}\n`);
    for (const skip of result.skipped) io.stderr(`skipped ${skip.id}: ${skip.reason}\n`);
    for (const { id, stem } of result.renamed) io.stderr(`note: chip "${id}" is written as ${stem}_mask.tif (its plain file name would collide with another chip's)\n`);
    io.stdout(`${result.chips.length} chip(s) written to ${result.outDir}; completion marker ${COMPLETION_FILE} written last\n`);
    return 0;
  },
};
