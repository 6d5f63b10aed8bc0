import type { CliCommand, CliIo } from '../command.ts';
import {
  assertKnownOptions,
  checkPath,
  numberOption,
  option,
  parseArgs,
  requiredPathOption,
  UsageError,
  type ParsedArgs,
} from '../args.ts';
import { runCliJob } from '../job-runner.ts';
import { EVAL_SPLITS, EvalSplitSchema } from '../../api/run.ts';
import { COMPLETION_FILE } from '../../engine/fs/completion.ts';
import { ScenePredictInputSchema, parseShard } from '../../api/scene.ts';
import type { SceneSummary } from '../../engine/scene/merge-parts.ts';
import { VECTOR_USAGE, vectorOptions } from './vectorise.ts';

/** The polygon files and figures of a scene summary (predict --scene --vector, merge --vector). */
export function printVectors(summary: SceneSummary, io: CliIo): void {
  if (!summary.vector || !summary.files.vectors) return;
  for (const file of Object.values(summary.files.vectors)) io.stdout(`${file}\n`);
  const { features, polygonAreaKm2, droppedFeatures, minPixels } = summary.vector;
  io.stdout(
    `${features} water polygon(s), ${polygonAreaKm2.toFixed(4)} km²${droppedFeatures > 0 ? `; ${droppedFeatures} under ${minPixels} px dropped` : ''}\n`,
  );
}

const SCENE_OPTIONS = [
  'run',
  'scene',
  'bands',
  's1-units',
  'out',
  'probabilities',
  'workers',
  'shard',
  'window',
  'overlap',
  'checkpoint',
  'date',
  'vector',
  'min-pixels',
  'simplify',
];

async function predictScene(args: ParsedArgs, io: CliIo): Promise<number> {
  assertKnownOptions(args, SCENE_OPTIONS);
  const shard = option(args, 'shard');
  const vector = vectorOptions(args);
  if (vector && shard !== undefined)
    throw new UsageError('--vector with --shard: a sharded run makes its polygons once, at merge (floodlens merge --vector …)');
  const parsed = ScenePredictInputSchema.safeParse({
    runDir: requiredPathOption(args, 'run', 'existing-folder'),
    scene: checkPath(option(args, 'scene')!, '--scene', 'existing-file'),
    bands: option(args, 'bands')
      ?.split(',')
      .map((b) => b.trim()),
    s1Units: option(args, 's1-units'),
    outDir: requiredPathOption(args, 'out', 'folder-or-new'),
    probabilities: args.flags.has('probabilities'),
    workers: option(args, 'workers') === undefined ? undefined : numberOption(args, 'workers', 1),
    window: option(args, 'window') === undefined ? undefined : numberOption(args, 'window', 0),
    overlap: option(args, 'overlap') === undefined ? undefined : numberOption(args, 'overlap', 0),
    checkpoint: option(args, 'checkpoint') ?? 'best',
    date: option(args, 'date'),
    shard: shard === undefined ? undefined : parseShard(shard),
    vector,
  });
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => `--${String(i.path[0])}: ${i.message}`).join('; '));
  const result = await runCliJob('scene.predict', parsed.data, io);
  if (result.summary) {
    const s = result.summary;
    io.stdout(`${s.files.mask}\n${s.files.probabilities ? `${s.files.probabilities}\n` : ''}${s.files.summary}\n`);
    printVectors(s, io);
    io.stdout(
      `water ${s.waterAreaKm2.toFixed(3)} km² of ${s.validAreaKm2.toFixed(3)} km² valid (${(100 * s.waterFraction).toFixed(2)} %), ${s.width}×${s.height} px, ${s.windows} windows, ${s.seconds.toFixed(1)} s on ${s.workers} worker(s)\n`,
    );
  } else {
    for (const part of result.parts) io.stdout(`${part}\n`);
    io.stdout(
      `shard ${parsed.data.shard!.index}/${parsed.data.shard!.count}: ${result.parts.length} part(s) in ${result.outDir}; assemble with: floodlens merge --out <dir> <partDir>...\n`,
    );
  }
  return 0;
}

export const predictCommand: CliCommand = {
  path: ['predict'],
  summary: 'write water masks (and probabilities) for chips, or a whole scene as a COG',
  usage:
    `floodlens predict --run <runDir> --data <dir> --out <dir> [--probabilities] [--split ${EVAL_SPLITS.join('|')}] [--checkpoint best|last]\n` +
    'floodlens predict --run <runDir> --scene <raster.tif|bands.json> --out <dir> [--bands VV,VH] [--s1-units dB|linear] [--probabilities]\n' +
    '                  [--workers N] [--shard i/N] [--window px] [--overlap px] [--checkpoint best|last]\n' +
    '                  [--date YYYY-MM-DD]  (Clay heads: the acquisition date their encoder takes; default: the file metadata)\n' +
    `                  ${VECTOR_USAGE}`,
  async run(argv, io) {
    const args = parseArgs(argv, ['probabilities']);
    if (option(args, 'scene') !== undefined) return predictScene(args, io);
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
    for (const { id, stem } of result.renamed)
      io.stderr(`note: chip "${id}" is written as ${stem}_mask.tif (its plain file name would collide with another chip's)\n`);
    io.stdout(`${result.chips.length} chip(s) written to ${result.outDir}; completion marker ${COMPLETION_FILE} written last\n`);
    return 0;
  },
};
