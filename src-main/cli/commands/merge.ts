import type { CliCommand } from '../command.ts';
import { assertKnownOptions, checkPath, parseArgs, requiredPathOption, UsageError } from '../args.ts';
import { runCliJob } from '../job-runner.ts';
import { printVectors } from './predict.ts';
import { VECTOR_USAGE, vectorOptions } from './vectorise.ts';

export const mergeCommand: CliCommand = {
  path: ['merge'],
  summary: 'assemble the shards of a scene prediction (predict --shard i/N) into the COG and summary',
  usage: `floodlens merge --out <dir> ${VECTOR_USAGE} <partDir>...`,
  async run(argv, io) {
    const args = parseArgs(argv);
    assertKnownOptions(args, ['out', 'vector', 'min-pixels', 'simplify']);
    if (args.positionals.length === 0) throw new UsageError('give the shards’ output folders');
    const partDirs = args.positionals.map((dir) => checkPath(dir, 'part folder', 'existing-folder'));
    const summary = await runCliJob(
      'scene.merge',
      { partDirs, outDir: requiredPathOption(args, 'out', 'folder-or-new'), vector: vectorOptions(args) },
      io,
    );
    io.stdout(`${summary.files.mask}\n${summary.files.probabilities ? `${summary.files.probabilities}\n` : ''}${summary.files.summary}\n`);
    printVectors(summary, io);
    io.stdout(`water ${summary.waterAreaKm2.toFixed(3)} km² of ${summary.validAreaKm2.toFixed(3)} km² valid, ${summary.shards} shard(s)\n`);
    return 0;
  },
};
