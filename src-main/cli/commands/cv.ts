import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { CliCommand } from '../command.ts';
import { assertKnownOptions, checkPath, option, parseArgs, requiredOption, UsageError } from '../args.ts';
import { runCliJob } from '../job-runner.ts';
import { formatCvTable } from '../../engine/cv/cross-validate.ts';
import { TRAIN_FLAGS, TRAIN_FLAGS_USAGE, trainConfigFromArgs } from './train-flags.ts';

const RegionsFileSchema = z.record(z.string(), z.string());

export const cvCommand: CliCommand = {
  path: ['cv'],
  summary: 'leave-one-region-out cross-validation: the model vs Otsu, all-water and no-water on regions it never saw',
  usage: `floodlens cv --data <dir> --model scratch --out <dir> [--regions <chip→region.json>] [--only <region,…>] [--json]
  ${TRAIN_FLAGS_USAGE}
Regions come from chip ids (Sen1Floods11 country prefix, C2S-MS site letters); --regions maps chip ids to regions
(e.g. {"jja10": "Paraguay", "pxs10": "India"}). Writes <out>/cv.json after every fold and <out>/fold-<region>/ runs.`,
  async run(argv, io) {
    const args = parseArgs(argv, ['json', 'no-augment', 'full-chips']);
    assertKnownOptions(args, ['out', 'regions', 'only', 'json', ...TRAIN_FLAGS]);
    const outDir = checkPath(requiredOption(args, 'out'), '--out', 'folder-or-new');
    const { dataDir, ...config } = trainConfigFromArgs(args);
    const regionsFile = option(args, 'regions');
    let regionOverrides: Record<string, string> = {};
    if (regionsFile) {
      const parsed = RegionsFileSchema.safeParse(JSON.parse(readFileSync(checkPath(regionsFile, '--regions', 'existing-file'), 'utf8')));
      if (!parsed.success) throw new UsageError(`--regions ${regionsFile}: expected a JSON object of chip id → region name`);
      regionOverrides = parsed.data;
    }
    const only = option(args, 'only')
      ?.split(',')
      .map((r) => r.trim())
      .filter(Boolean);
    const json = args.flags.has('json');
    const report = await runCliJob('cv', { config, dataDir, outDir, regionOverrides, onlyRegions: only }, io, json);
    io.stdout(json ? JSON.stringify(report, null, 2) + '\n' : `${formatCvTable(report)}\n${outDir}/cv.json\n`);
    return 0;
  },
};
