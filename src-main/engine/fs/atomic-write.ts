import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** A temporary name in the same folder as `path`, so the final rename stays on one filesystem. */
export function temporarySibling(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

const PROBLEMS: Record<string, string> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is exhausted',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
};

/** A file could not be written: names the path and the problem in plain words; keeps the errno code. */
export class FileWriteError extends Error {
  readonly code: string | undefined;
  constructor(
    readonly path: string,
    problem: string,
    code: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(`cannot write ${path}: ${problem}`, options);
    this.name = 'FileWriteError';
    this.code = code;
  }
}

export function asFileWriteError(path: string, error: unknown): FileWriteError {
  if (error instanceof FileWriteError) return error;
  const code = (error as NodeJS.ErrnoException)?.code;
  const plain = code ? PROBLEMS[code] : undefined;
  return new FileWriteError(
    path,
    plain ? `${plain} (${code}); the previous file, if any, is unchanged` : ((error as Error)?.message ?? String(error)),
    code,
    { cause: error },
  );
}

/**
 * Writes `data` to `path` so that a reader sees either the old file or the whole new one:
 * temp file in the same folder, fsync, rename. The temp file is removed if anything fails.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true }).catch((error) => {
    throw asFileWriteError(path, error);
  });
  const temp = temporarySibling(path);
  try {
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw asFileWriteError(path, error);
  }
}

export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}
