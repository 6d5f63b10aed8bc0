import { basename, resolve } from 'node:path';
import { stat } from 'node:fs/promises';
import { CLAY_WEIGHTS_CATALOGUE, findCatalogueEntry } from '../../engine/weights/catalogue.ts';
import { downloadFile } from '../../engine/weights/download.ts';
import { DownloadError } from '../../engine/weights/errors.ts';
import type { DownloadProgress } from '../../engine/weights/transfer-rate.ts';
import { defaultCliDataDir, listWeights, weightsDir } from '../../engine/weights/weights-dir.ts';
import { assertKnownOptions, option, parseArgs, UsageError, type ParsedArgs } from '../args.ts';
import type { CliCommand, CliIo } from '../command.ts';

const usage = `floodlens weights list [--dir D] [--json]
floodlens weights download <id> [--dir D] [--url U] [--sha256 H] [--force]
  ids: ${CLAY_WEIGHTS_CATALOGUE.map((e) => e.id).join(', ')}
  D defaults to $FLOODLENS_HOME/weights, else ~/.floodlens/weights. An interrupted or cancelled
  (Ctrl-C) download resumes when run again.`;

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

function formatProgress(p: DownloadProgress): string {
  const parts = [p.total ? `${formatBytes(p.bytes)} / ${formatBytes(p.total)} (${((100 * p.bytes) / p.total).toFixed(1)}%)` : formatBytes(p.bytes)];
  if (p.bytesPerSecond > 0) parts.push(`${formatBytes(p.bytesPerSecond)}/s`);
  if (p.etaSeconds !== null && !p.done) parts.push(`ETA ${Math.round(p.etaSeconds)} s`);
  if (p.resumedFrom > 0) parts.push(`resumed at ${formatBytes(p.resumedFrom)}`);
  return parts.join(' · ');
}

function targetDir(args: ParsedArgs): string {
  const dir = option(args, 'dir');
  return dir ? resolve(dir) : weightsDir(defaultCliDataDir());
}

async function list(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, ['json']);
  assertKnownOptions(args, ['dir', 'json']);
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument "${args.positionals[0]}"`);
  const dir = targetDir(args);
  const statuses = await listWeights(dir);
  if (args.flags.has('json')) {
    io.stdout(JSON.stringify({ dir, weights: statuses }, null, 2) + '\n');
    return 0;
  }
  const lines = [`Clay weights in ${dir}`];
  for (const s of statuses) {
    const state = s.present ? `present (${formatBytes(s.sizeBytes ?? 0)})` : s.partialBytes !== null ? `partial (${formatBytes(s.partialBytes)}, resume with download)` : 'not downloaded';
    if (s.entry) {
      lines.push(`  ${s.entry.id.padEnd(10)} ${s.entry.version.padEnd(5)} ${state}`);
      lines.push(`             ${s.entry.description}`);
      lines.push(`             ${s.entry.url}`);
    } else lines.push(`  ${'(local)'.padEnd(10)} ${'?'.padEnd(5)} ${state}  ${s.path}`);
  }
  io.stdout(lines.join('\n') + '\n');
  return 0;
}

async function download(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, ['force']);
  assertKnownOptions(args, ['dir', 'url', 'sha256', 'force']);
  if (args.positionals.length !== 1) throw new UsageError('expected exactly one <id>');
  const id = args.positionals[0];
  const entry = findCatalogueEntry(id);
  const url = option(args, 'url') ?? entry?.url;
  if (!url) throw new UsageError(`unknown weights id "${id}" (known: ${CLAY_WEIGHTS_CATALOGUE.map((e) => e.id).join(', ')}); pass --url to download another file`);
  const fileName = entry?.fileName ?? (basename(new URL(url, 'https://invalid/').pathname) || `${id}.ckpt`);
  const dest = resolve(targetDir(args), fileName);
  const customUrl = option(args, 'url') !== undefined;
  // A catalogue checksum describes the catalogue's file, not whatever --url points at.
  const sha256 = option(args, 'sha256') ?? (customUrl ? null : entry?.sha256 ?? null);
  const expectedSize = customUrl ? null : entry?.sizeBytes ?? null;

  const existing = await stat(dest).catch(() => null);
  if (existing?.isFile() && !args.flags.has('force')) {
    io.stdout(`${dest} is already present (${formatBytes(existing.size)}); pass --force to download it again\n`);
    return 0;
  }

  const controller = new AbortController();
  const onSigint = () => {
    io.stderr('\ncancelling… (the partial file is kept; run the same command to resume)\n');
    controller.abort();
  };
  process.once('SIGINT', onSigint);
  try {
    io.stderr(`downloading ${url}\n  to ${dest}\n`);
    const result = await downloadFile({
      url,
      dest,
      expectedSha256: sha256,
      expectedSize,
      signal: controller.signal,
      progressIntervalMs: 1000,
      onProgress: (p) => io.stderr(formatProgress(p) + '\n'),
    });
    io.stdout(`${result.path}\n  ${formatBytes(result.bytes)}  sha256 ${result.sha256}${sha256 ? ' (verified)' : ' (no published checksum to compare)'}\n`);
    return 0;
  } catch (error) {
    if (error instanceof DownloadError) {
      io.stderr(`floodlens weights download: ${error.message}\n`);
      return error.code === 'cancelled' ? 130 : 1;
    }
    throw error;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

export const weightsCommand: CliCommand = {
  path: ['weights'],
  summary: 'list / download the official Clay checkpoints (resumable, verified)',
  usage,
  async run(argv, io) {
    const [subcommand, ...rest] = argv;
    if (subcommand === 'list') return list(rest, io);
    if (subcommand === 'download') return download(rest, io);
    throw new UsageError(subcommand === undefined ? 'expected list or download' : `unknown subcommand "${subcommand}" (expected list or download)`);
  },
};
