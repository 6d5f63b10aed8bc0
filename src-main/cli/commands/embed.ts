import { resolve } from 'node:path';
import type { CliCommand } from '../command.ts';
import { assertKnownOptions, numberOption, option, parseArgs, requiredOption, UsageError } from '../args.ts';
import { runCliJob } from '../job-runner.ts';

const PLATFORMS = ['auto', 'sentinel-1-rtc', 'sentinel-2-l2a'] as const;

export const embedCommand: CliCommand = {
  path: ['embed'],
  summary: 'compute Clay patch embeddings for every chip once (cached by chip + encoder fingerprint; resumable)',
  usage: `floodlens embed --encoder <ckpt> --data <dir> --out <cacheDir> [--platform ${PLATFORMS.join('|')}] [--latlon-order training|tutorial]
  [--encoder-tile N (Clay v1.5: 256, v0: whole chip; 0 = whole chip)] [--workers N (default: one per core)] [--json]`,
  async run(argv, io) {
    const args = parseArgs(argv, ['json']);
    assertKnownOptions(args, ['encoder', 'data', 'out', 'platform', 'latlon-order', 'encoder-tile', 'workers', 'json']);
    const platform = option(args, 'platform') ?? 'auto';
    if (!(PLATFORMS as readonly string[]).includes(platform)) throw new UsageError(`--platform must be one of ${PLATFORMS.join(', ')}`);
    const latlonOrder = option(args, 'latlon-order') ?? 'training';
    if (latlonOrder !== 'training' && latlonOrder !== 'tutorial') throw new UsageError('--latlon-order must be training or tutorial');
    const encoderTile = option(args, 'encoder-tile') === undefined ? null : numberOption(args, 'encoder-tile', 0);
    if (encoderTile !== null && !Number.isInteger(encoderTile))
      throw new UsageError('--encoder-tile must be a whole number of pixels (0 = whole chips)');
    const workers = option(args, 'workers') === undefined ? undefined : numberOption(args, 'workers', 1);
    if (workers !== undefined && !Number.isInteger(workers)) throw new UsageError('--workers must be a whole number ≥ 1');
    const json = args.flags.has('json');
    const result = await runCliJob(
      'embed',
      {
        encoder: resolve(requiredOption(args, 'encoder')),
        dataDir: resolve(requiredOption(args, 'data')),
        outDir: resolve(requiredOption(args, 'out')),
        inputs: { platform: platform as (typeof PLATFORMS)[number], latlonOrder, encoderTile },
        workers,
      },
      io,
      json,
    );
    if (json) {
      io.stdout(JSON.stringify(result, null, 2) + '\n');
      return result.failed.length > 0 ? 1 : 0;
    }
    const lines = [
      `${result.encoder.description} (${result.encoder.fingerprint.slice(0, 12)}) → ${result.dir}`,
      `${result.computed.length} embedded, ${result.reused.length} reused from the cache, ${result.failed.length} failed, ${result.unreadable.length} unreadable` +
        (result.secondsPerChip !== null ? `; ${result.secondsPerChip.toFixed(2)} s per chip` : ''),
      ...result.failed.map((f) => `  failed ${f.id}: ${f.error}`),
      ...Object.entries(result.missingInputs).flatMap(([id, notes]) => notes.map((n) => `  ${id}: ${n}`)),
    ];
    io.stdout(lines.join('\n') + '\n');
    return result.failed.length > 0 ? 1 : 0;
  },
};
