import { basename, resolve } from 'node:path';
import { stat } from 'node:fs/promises';
import { identifyClayEncoderFile, resolveCacheDir } from '../../engine/clay/cache/index.ts';
import { identifyCheckpointFile } from '../../engine/workspace/checkpoint-identity.ts';
import { addLocalWeights } from '../../engine/weights/add-local.ts';
import { CLAY_WEIGHTS_CATALOGUE, findCatalogueEntry } from '../../engine/weights/catalogue.ts';
import { downloadFile, partPath } from '../../engine/weights/download.ts';
import { planDownload } from '../../engine/weights/download-plan.ts';
import { DownloadError } from '../../engine/weights/errors.ts';
import { formatBytes } from '../../engine/weights/free-space.ts';
import type { DownloadProgress } from '../../engine/weights/transfer-rate.ts';
import { defaultCliDataDir, listWeights, weightsDir } from '../../engine/weights/weights-dir.ts';
import { assertKnownOptions, option, parseArgs, UsageError, type ParsedArgs } from '../args.ts';
import type { CliCommand, CliIo } from '../command.ts';

const usage = `floodlens weights list [--dir D] [--json]
floodlens weights download <id> [--dir D] [--url U] [--sha256 H] [--force]
floodlens weights download --url U [--dir D] [--sha256 H] [--force]
floodlens weights add <file> [--dir D] [--copy]
floodlens weights convert <file> [--cache-dir C] [--json]
  ids: ${CLAY_WEIGHTS_CATALOGUE.map((e) => e.id).join(', ')}
  D defaults to $FLOODLENS_HOME/weights, else ~/.floodlens/weights. An interrupted or cancelled
  (Ctrl-C) download resumes when run again. --url downloads another address (e.g. the file's new
  place after the release moved it); add puts a checkpoint you already have into D (hard link, else
  symbolic link; --copy copies) after checking it is a Clay encoder, and prints its SHA-256. convert
  writes the encoder cache once (only the encoder's tensors are read, streamed; the teacher, decoder and
  optimizer records are skipped) and reports bytes read, seconds and peak RSS; C defaults to
  $FLOODLENS_CACHE_DIR, else $FLOODLENS_HOME/cache, else ~/.floodlens/cache.`;

function formatProgress(p: DownloadProgress): string {
  const parts = [
    p.total ? `${formatBytes(p.bytes)} / ${formatBytes(p.total)} (${((100 * p.bytes) / p.total).toFixed(1)}%)` : formatBytes(p.bytes),
  ];
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
    const state = s.present
      ? `present (${formatBytes(s.sizeBytes ?? 0)})`
      : s.partialBytes !== null
        ? `partial (${formatBytes(s.partialBytes)}, resume with download)`
        : 'not downloaded';
    if (s.entry) {
      const plan = await planDownload(s.entry, dir, s.partialBytes ?? 0);
      lines.push(`  ${s.entry.id.padEnd(10)} ${s.entry.version.padEnd(5)} ${state}`);
      lines.push(`             ${s.entry.description}`);
      lines.push(
        `             ${s.present ? `${plan.sizeLabel} (${plan.verified ? 'verified' : 'documented, unverified'})` : plan.summary}`,
      );
      lines.push(`             ${s.entry.url}`);
    } else lines.push(`  ${'(local)'.padEnd(10)} ${'?'.padEnd(5)} ${state}  ${s.path}`);
  }
  io.stdout(lines.join('\n') + '\n');
  return 0;
}

async function download(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, ['force']);
  assertKnownOptions(args, ['dir', 'url', 'sha256', 'force']);
  if (args.positionals.length > 1 || (args.positionals.length === 0 && option(args, 'url') === undefined))
    throw new UsageError('expected one <id>, or --url <address>');
  const id = args.positionals[0] ?? null;
  const entry = id === null ? undefined : findCatalogueEntry(id);
  const url = option(args, 'url') ?? entry?.url;
  if (!url)
    throw new UsageError(
      `unknown weights id "${id}" (known: ${CLAY_WEIGHTS_CATALOGUE.map((e) => e.id).join(', ')}); pass --url to download another file`,
    );
  const fileName = entry?.fileName ?? (basename(new URL(url, 'https://invalid/').pathname) || `${id ?? 'clay'}.ckpt`);
  const dest = resolve(targetDir(args), fileName);
  const customUrl = option(args, 'url') !== undefined;
  // A catalogue checksum describes the catalogue's file, not whatever --url points at.
  const sha256 = option(args, 'sha256') ?? (customUrl ? null : (entry?.sha256 ?? null));
  const expectedSize = customUrl ? null : (entry?.sizeBytes ?? null);

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
    if (entry && !customUrl) {
      const partial = await stat(partPath(dest))
        .then((s) => s.size)
        .catch(() => 0);
      const plan = await planDownload(entry, targetDir(args), partial);
      io.stderr(`  ${entry.id}: ${plan.summary}\n`);
      if (!plan.enough) {
        io.stderr(
          `floodlens weights download: not enough free disk for ${entry.fileName}; free some space or pass --dir <folder on a larger disk>\n`,
        );
        return 1;
      }
    }
    const result = await downloadFile({
      url,
      dest,
      expectedSha256: sha256,
      expectedSize,
      releasePage: entry?.releasePage,
      reserveBytes: entry?.encoderCacheBytes ?? 0,
      signal: controller.signal,
      progressIntervalMs: 1000,
      onProgress: (p) => io.stderr(formatProgress(p) + '\n'),
    });
    io.stdout(
      `${result.path}\n  ${result.bytes} bytes (${formatBytes(result.bytes)})  sha256 ${result.sha256}${sha256 ? ' (verified)' : ' (unverified: record this hash to check later downloads)'}\n`,
    );
    const identity = await identifyCheckpointFile(result.path);
    io.stdout(identity.ok ? `  ${identity.description}\n` : `  warning: not a usable Clay encoder: ${identity.error}\n`);
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

async function add(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, ['copy']);
  assertKnownOptions(args, ['dir', 'copy']);
  if (args.positionals.length !== 1) throw new UsageError('expected exactly one <file>');
  const file = resolve(args.positionals[0]);
  const identity = await identifyCheckpointFile(file);
  if (!identity.ok) {
    io.stderr(`floodlens weights add: ${file} is not a usable Clay encoder: ${identity.error}\n`);
    return 1;
  }
  const added = await addLocalWeights(file, targetDir(args), { copy: args.flags.has('copy') });
  const entry = CLAY_WEIGHTS_CATALOGUE.find((e) => e.fileName === basename(added.path));
  const check = entry?.sha256
    ? entry.sha256 === added.sha256
      ? ' (matches the catalogue)'
      : ` (DIFFERS from the catalogue's ${entry.sha256})`
    : '';
  io.stdout(`${added.path} (${added.how})\n  ${identity.description}\n  ${added.bytes} bytes  sha256 ${added.sha256}${check}\n`);
  return 0;
}

async function convert(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, ['json']);
  assertKnownOptions(args, ['cache-dir', 'json']);
  if (args.positionals.length !== 1) throw new UsageError('expected exactly one <file>');
  const file = resolve(args.positionals[0]);
  const cacheDir = resolveCacheDir(option(args, 'cache-dir'));
  if (!cacheDir) throw new UsageError('the encoder cache is off (FLOODLENS_CACHE_DIR=off): pass --cache-dir');
  const warnings: string[] = [];
  const result = await identifyClayEncoderFile(file, { cacheDir, onWarning: (w) => warnings.push(w) });
  for (const w of warnings) io.stderr(`warning: ${w}\n`);
  const summary = {
    file,
    encoder: result.spec.description,
    fingerprint: result.fingerprint,
    from: result.from,
    cacheFile: result.cacheFile,
    conversion: result.conversion ?? null,
  };
  if (args.flags.has('json')) io.stdout(JSON.stringify(summary) + '\n');
  else {
    io.stdout(
      `${result.spec.description}\n  ${result.from === 'cache' ? 'already converted' : 'converted'}: ${result.cacheFile ?? '(not cached)'}\n`,
    );
    const c = result.conversion;
    if (c)
      io.stdout(
        `  read ${formatBytes(c.bytesRead)} of ${formatBytes(c.checkpointBytes)} (encoder ${formatBytes(c.encoderBytes)}) in ${c.seconds.toFixed(1)} s, peak RSS ${formatBytes(c.peakRssBytes)}\n`,
      );
  }
  return result.cacheFile || !result.conversion ? 0 : 1;
}

export const weightsCommand: CliCommand = {
  path: ['weights'],
  summary: 'list / download / add Clay checkpoints (pinned release URLs, resumable, verified)',
  usage,
  async run(argv, io) {
    const [subcommand, ...rest] = argv;
    if (subcommand === 'list') return list(rest, io);
    if (subcommand === 'download') return download(rest, io);
    if (subcommand === 'add') return add(rest, io);
    if (subcommand === 'convert') return convert(rest, io);
    throw new UsageError(
      subcommand === undefined
        ? 'expected list, download, add or convert'
        : `unknown subcommand "${subcommand}" (expected list, download, add or convert)`,
    );
  },
};
