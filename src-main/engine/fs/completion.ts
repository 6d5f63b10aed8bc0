import { createHash } from 'node:crypto';
import { lstat, unlink } from 'node:fs/promises';
import { isAbsolute, join, normalize, sep } from 'node:path';
import { z } from 'zod';
import { writeJsonAtomic } from './atomic-write.ts';
import { JsonFileError, readJsonFile } from './json-file.ts';
import { hashRegularFile } from './regular-file.ts';

/**
 * The completion marker of an output folder (predicted masks, an app export, a scene and its shards).
 *
 * A producer writes its files first, then `floodlens-complete.json` LAST, atomically (temp + fsync +
 * rename): the list of its files with size and SHA-256. A reader trusts only files listed by a valid
 * marker whose size and hash still match. A run that was killed or failed before the end has no marker
 * (the producer removes an old one before it starts writing), so it is recognised as incomplete.
 *
 * Why SHA-256 and not a cheaper checksum: it costs ~1–2 s per GB here (streamed, constant memory), small
 * next to predicting that GB; and it also catches a file replaced by another writer with the same size,
 * which a size check or CRC over a sample would not. Readers may verify size only (`verify: 'size'`) when
 * the files are too large to re-hash on every open.
 */
export const COMPLETION_FILE = 'floodlens-complete.json';

const OutputFileSchema = z.object({
  /** Relative to the folder, '/'-separated, never climbing out. */
  name: z.string().min(1).max(4096),
  size: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type OutputFile = z.infer<typeof OutputFileSchema>;

const CompletionManifestSchema = z.object({
  kind: z.literal('floodlens-outputs'),
  version: z.literal(1),
  /** What wrote the folder: `predict`, `export`, `scene`, `merge`… */
  producer: z.string().min(1).max(200),
  completedAt: z.string(),
  files: z.array(OutputFileSchema).max(1_000_000),
  /** Free provenance (run id, checkpoint…); not interpreted. */
  details: z.record(z.string(), z.unknown()).optional(),
});
export type CompletionManifest = z.infer<typeof CompletionManifestSchema>;

export type Verification = 'sha256' | 'size';

export interface CompletedOutput extends OutputFile {
  /** Absolute path of the file. */
  path: string;
}

export interface CompletedOutputs {
  dir: string;
  /** True when the marker is valid and every file it lists matches. */
  complete: boolean;
  manifest: CompletionManifest | null;
  /** Only files listed by a valid marker that match its size (and hash). */
  files: CompletedOutput[];
  /** Why something is not trusted, one line each, naming the file. */
  problems: string[];
}

/** An output folder that is not complete (killed, failed, or changed since), said with the reasons. */
export class IncompleteOutputError extends Error {
  constructor(
    readonly dir: string,
    readonly problems: string[],
  ) {
    super(`${dir} is not a completed output: ${problems.join('; ')}`);
    this.name = 'IncompleteOutputError';
  }
}

function checkedName(name: string): string {
  const normal = normalize(name.replaceAll('\\', '/'));
  if (
    isAbsolute(name) ||
    normal === '..' ||
    normal.startsWith('..' + sep) ||
    normal.startsWith('../') ||
    name.includes('\0') ||
    normal === COMPLETION_FILE ||
    normal === '.'
  ) {
    throw new Error(`"${name}" cannot be listed as an output (absolute, climbing out, or the marker itself)`);
  }
  return normal.split(sep).join('/');
}

/** Size and SHA-256 of one file, streamed (constant memory); regular files only. */
export async function describeOutputFile(dir: string, name: string): Promise<OutputFile> {
  const relative = checkedName(name);
  const hash = createHash('sha256');
  const size = await hashRegularFile(join(dir, relative), hash);
  return { name: relative, size, sha256: hash.digest('hex') };
}

/**
 * Call before writing any output into `dir`: removes a marker left by an earlier complete run, so a run
 * killed while overwriting is not mistaken for the earlier, complete one.
 */
export async function beginOutputs(dir: string): Promise<void> {
  await unlink(join(dir, COMPLETION_FILE)).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
}

/**
 * Call after every output file is written and closed: hashes them and writes the marker last, atomically.
 * `names` are relative to `dir`.
 */
export async function completeOutputs(
  dir: string,
  names: readonly string[],
  producer: string,
  details?: Record<string, unknown>,
): Promise<CompletionManifest> {
  const unique = [...new Set(names.map(checkedName))];
  const files: OutputFile[] = [];
  for (const name of unique) files.push(await describeOutputFile(dir, name));
  const manifest: CompletionManifest = {
    kind: 'floodlens-outputs',
    version: 1,
    producer,
    completedAt: new Date().toISOString(),
    files,
    ...(details ? { details } : {}),
  };
  await writeJsonAtomic(join(dir, COMPLETION_FILE), manifest);
  return manifest;
}

async function checkFile(dir: string, file: OutputFile, verify: Verification): Promise<string | null> {
  const path = join(dir, file.name);
  const stats = await lstat(path).catch(() => null);
  if (!stats) return `${path} is listed as written but is missing`;
  if (!stats.isFile()) return `${path} is listed as written but is not a regular file`;
  if (stats.size !== file.size) return `${path} has ${stats.size} bytes, the completion marker says ${file.size} (cut short or rewritten)`;
  if (verify === 'size') return null;
  const actual = await describeOutputFile(dir, file.name);
  return actual.sha256 === file.sha256 ? null : `${path} does not match its SHA-256 in the completion marker (changed after completion)`;
}

/**
 * The outputs of `dir` that can be trusted: those listed by a valid completion marker whose files still
 * match. Without a marker (killed or failed producer) nothing is trusted and `complete` is false.
 */
export async function readCompletedOutputs(dir: string, options: { verify?: Verification } = {}): Promise<CompletedOutputs> {
  const markerPath = join(dir, COMPLETION_FILE);
  let raw: unknown;
  try {
    raw = await readJsonFile(markerPath);
  } catch (error) {
    const missing = (error as JsonFileError).cause && ((error as JsonFileError).cause as NodeJS.ErrnoException).code === 'ENOENT';
    const problem = missing
      ? `${markerPath} is missing: the output was not completed (killed, failed, or still being written)`
      : (error as Error).message;
    return { dir, complete: false, manifest: null, files: [], problems: [problem] };
  }
  const parsed = CompletionManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      dir,
      complete: false,
      manifest: null,
      files: [],
      problems: [`${markerPath}: not a valid completion marker (${issue?.path.join('.')}: ${issue?.message})`],
    };
  }
  const manifest = parsed.data;
  const files: CompletedOutput[] = [];
  const problems: string[] = [];
  for (const file of manifest.files) {
    let name: string;
    try {
      name = checkedName(file.name);
    } catch (error) {
      problems.push(`${markerPath}: ${(error as Error).message}`);
      continue;
    }
    const problem = await checkFile(dir, { ...file, name }, options.verify ?? 'sha256');
    if (problem) problems.push(problem);
    else files.push({ ...file, name, path: join(dir, name) });
  }
  return { dir, complete: problems.length === 0, manifest, files, problems };
}

/** `readCompletedOutputs`, throwing `IncompleteOutputError` unless the whole folder is complete. */
export async function requireCompletedOutputs(dir: string, options: { verify?: Verification } = {}): Promise<CompletedOutputs> {
  const outputs = await readCompletedOutputs(dir, options);
  if (!outputs.complete) throw new IncompleteOutputError(dir, outputs.problems);
  return outputs;
}
