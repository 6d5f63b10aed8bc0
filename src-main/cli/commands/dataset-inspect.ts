import { resolve } from 'node:path';
import { stat } from 'node:fs/promises';
import { CANONICAL_BANDS, type CanonicalBand, type ChipInfo, type DatasetInspection } from '../../api/dataset.ts';
import { canonicalBandName } from '../../engine/dataset/bands.ts';
import { inspectDataset, isReadable } from '../../engine/dataset/inspect.ts';
import { assertKnownOptions, option, parseArgs, UsageError } from '../args.ts';
import type { CliCommand } from '../command.ts';

const fmt = (n: number, digits = 6) => Number(n.toFixed(digits)).toString();
const pct = (f: number | null) => (f === null ? 'undefined (no valid pixel)' : `${(100 * f).toFixed(1)}%`);

function chipLines(chip: ChipInfo): string[] {
  const lines = [`${chip.id}  [${chip.layout}]`];
  lines.push(
    `  size ${chip.width ?? '?'}×${chip.height ?? '?'}  dtype ${chip.dtype ?? '?'}  EPSG ${chip.epsg ?? '?'}  pixel ${chip.pixelSize ? chip.pixelSize.map((v) => fmt(v, 9)).join('×') : '?'}`,
  );
  if (chip.bbox) lines.push(`  bbox  ${chip.bbox.map((v) => fmt(v)).join(', ')}`);
  if (chip.bboxWgs84) lines.push(`  WGS84 ${chip.bboxWgs84.map((v) => fmt(v)).join(', ')}`);
  const nodata = [...new Set(chip.bandDetails.map((b) => String(b.nodata)))].join('/');
  lines.push(
    `  bands ${chip.bands.join(',') || '-'}${chip.emptyBands.length ? `  (empty: ${chip.emptyBands.join(',')})` : ''}  nodata ${nodata || '-'}`,
  );
  lines.push(
    `  date ${chip.date ?? 'unknown'}${chip.dateSource ? ` (${chip.dateSource})` : ''}  S1 units ${chip.s1Units ?? '-'}${chip.s1UnitsSource ? ` (${chip.s1UnitsSource})` : ''}`,
  );
  if (chip.label) {
    const e = chip.label.encoding;
    lines.push(
      `  label water=${e.water} not-water=${e.notWater} not-valid=${e.notValid.join('|') || '-'}  water ${pct(chip.label.waterFraction)} of valid, valid ${pct(chip.label.validFraction)}`,
    );
  } else lines.push('  label none');
  for (const error of chip.errors) lines.push(`  ${error.severity.toUpperCase()} ${error.code}: ${error.file}: ${error.message}`);
  return lines;
}

function summaryLines(report: DatasetInspection): string[] {
  const s = report.summary;
  return [
    '',
    `Summary for ${report.root}`,
    `  chips ${s.chips} (${s.readableChips} readable), layout ${report.layout}`,
    `  bands present ${s.bandsPresent.join(',') || '-'}`,
    `  Clay v0 bands missing ${s.bandsMissing.join(',') || '-'}`,
    `  CRSs ${s.crs.map((c) => `${c.epsg === null ? 'none' : `EPSG:${c.epsg}`} ×${c.chips}`).join(', ') || '-'}`,
    `  label balance: ${s.labelBalance.labelledChips} labelled chips, water ${pct(s.labelBalance.waterFraction)} of valid pixels, valid ${pct(s.labelBalance.validFraction)}`,
    `  problems: ${s.problems.errors} error(s), ${s.problems.warnings} warning(s)`,
    ...report.errors.map((e) => `  ${e.severity.toUpperCase()} ${e.code}: ${e.file}: ${e.message}`),
  ];
}

function bandNamesOption(text: string | undefined): (CanonicalBand | null)[] | undefined {
  if (text === undefined) return undefined;
  return text.split(',').map((raw) => {
    if (raw.trim() === '-') return null;
    const name = canonicalBandName(raw);
    if (!name) throw new UsageError(`--bands: "${raw}" is not a known band name (${CANONICAL_BANDS.join(', ')}, or - to skip)`);
    return name;
  });
}

export const datasetInspectCommand: CliCommand = {
  path: ['dataset', 'inspect'],
  summary: 'Detect the chip layout of a folder and report every chip',
  usage:
    'Usage: floodlens dataset inspect <dir> [--json] [--s1-units dB|linear] [--bands B02,B03,…]\n' +
    '  --bands: names for bands the files leave unnamed (no description), in band order; "-" skips one',
  async run(argv, io) {
    const args = parseArgs(argv, ['json']);
    assertKnownOptions(args, ['json', 's1-units', 'bands']);
    if (args.positionals.length !== 1) throw new UsageError('expected exactly one <dir>');
    const units = option(args, 's1-units');
    if (units !== undefined && units !== 'dB' && units !== 'linear') throw new UsageError('--s1-units must be dB or linear');
    const dir = resolve(args.positionals[0]);
    const info = await stat(dir).catch(() => null);
    if (!info?.isDirectory()) {
      io.stderr(`floodlens dataset inspect: ${dir} is not a directory\n`);
      return 1;
    }
    const report = await inspectDataset(dir, { s1Units: units, bandNames: bandNamesOption(option(args, 'bands')) });
    if (args.flags.has('json')) io.stdout(JSON.stringify(report, null, 2) + '\n');
    else io.stdout([...report.chips.flatMap(chipLines), ...summaryLines(report)].join('\n') + '\n');
    const anyReadable = report.chips.some(isReadable);
    if (!anyReadable) io.stderr(`floodlens dataset inspect: no chip could be read in ${dir}\n`);
    return anyReadable ? 0 : 1;
  },
};
