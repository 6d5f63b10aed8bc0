/**
 * Which cached encoder a checkpoint file converts to: one small JSON per source path
 * (`<cache>/encoders/sources/<hash of the path>.json` = path, size, mtime, fingerprint), so concurrent
 * processes never rewrite a shared index. A source counts as unchanged while its size and mtime are
 * (the `make` rule: a file rewritten in place with its old size and mtime restored is not noticed).
 */
import { createHash } from 'node:crypto';
import { readFile, stat, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { writeJsonAtomic } from '../../fs/atomic-write.ts';
import { encodersDir } from './cache-dir.ts';

export interface SourceIdentity {
  path: string;
  size: number;
  mtimeMs: number;
}

export interface SourceRecord extends SourceIdentity {
  fingerprint: string;
}

export async function sourceIdentity(file: string): Promise<SourceIdentity | null> {
  const path = resolve(file);
  const info = await stat(path).catch(() => null);
  return info?.isFile() ? { path, size: info.size, mtimeMs: info.mtimeMs } : null;
}

export const sameSource = (a: SourceIdentity, b: SourceIdentity) => a.path === b.path && a.size === b.size && a.mtimeMs === b.mtimeMs;

function recordPath(cacheDir: string, path: string): string {
  return join(encodersDir(cacheDir), 'sources', `${createHash('sha256').update(path).digest('hex').slice(0, 32)}.json`);
}

export function cacheFilePath(cacheDir: string, fingerprint: string): string {
  return join(encodersDir(cacheDir), `${fingerprint}.flck`);
}

/** The fingerprint recorded for this exact source (same path, size and mtime), or null. */
export async function lookupSource(cacheDir: string, source: SourceIdentity): Promise<string | null> {
  try {
    const record = JSON.parse(await readFile(recordPath(cacheDir, source.path), 'utf8')) as Partial<SourceRecord>;
    const ok = typeof record.fingerprint === 'string' && /^[0-9a-f]{64}$/.test(record.fingerprint);
    return ok && sameSource(record as SourceRecord, source) ? record.fingerprint! : null;
  } catch {
    return null;
  }
}

export async function rememberSource(cacheDir: string, source: SourceIdentity, fingerprint: string): Promise<void> {
  await writeJsonAtomic(recordPath(cacheDir, source.path), { ...source, fingerprint } satisfies SourceRecord);
}

export async function forgetSource(cacheDir: string, source: SourceIdentity): Promise<void> {
  await unlink(recordPath(cacheDir, source.path)).catch(() => undefined);
}
