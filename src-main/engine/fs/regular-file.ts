import type { Hash } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, type FileHandle } from 'node:fs/promises';

/** A path that must be a regular file is something else (a FIFO, a device, a socket, a folder) or too large. */
export class NotRegularFileError extends Error {
  readonly code = 'ENOTREG';
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super(`${path}: ${problem}`);
    this.name = 'NotRegularFileError';
  }
}

/** What the file is, in words, for an error message. */
export function fileKind(stats: {
  isFIFO(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
  isSocket(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}): string {
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  if (stats.isDirectory()) return 'a folder';
  if (stats.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

/**
 * Opens `path` for reading only if it is a regular file (following symlinks). `O_NONBLOCK` makes opening
 * a FIFO return at once instead of waiting for a writer, and `fstat` on the open handle checks what was
 * really opened (no race between a check and the open). Other files are refused before any read.
 */
export async function openRegularFile(path: string): Promise<FileHandle> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new NotRegularFileError(path, `${fileKind(stats)}, not a regular file: only regular files are read`);
    return handle;
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** True when `path` is (or links to) a regular file; a FIFO or device is never opened to find out. */
export async function isRegularFile(path: string): Promise<boolean> {
  const stats = await lstat(path).catch(() => null);
  if (!stats) return false;
  if (stats.isFile()) return true;
  if (!stats.isSymbolicLink()) return false;
  const handle = await openRegularFile(path).catch(() => null);
  await handle?.close();
  return handle !== null;
}

/**
 * Reads a whole regular file of at most `maxBytes` (bounded: a FIFO, a device or an oversize file is
 * refused before reading, and a file that grows while read is cut at the bound and refused).
 */
export async function readRegularFile(path: string, maxBytes: number): Promise<Buffer> {
  const handle = await openRegularFile(path);
  try {
    const { size } = await handle.stat();
    if (size > maxBytes) throw new NotRegularFileError(path, `${size} bytes, more than the ${maxBytes} bytes this file may have`);
    const buffer = Buffer.alloc(Math.min(size, maxBytes) + 1);
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    if (filled > maxBytes) throw new NotRegularFileError(path, `grew past ${maxBytes} bytes while being read`);
    return buffer.subarray(0, filled);
  } finally {
    await handle.close();
  }
}

/** `readRegularFile` as UTF-8 text. */
export async function readRegularText(path: string, maxBytes: number): Promise<string> {
  return (await readRegularFile(path, maxBytes)).toString('utf8');
}

/** Streams a regular file into `hash` (1 MiB chunks, constant memory); returns its size in bytes. */
export async function hashRegularFile(path: string, hash: Hash): Promise<number> {
  const handle = await openRegularFile(path);
  try {
    let size = 0;
    for await (const chunk of handle.createReadStream({ highWaterMark: 1 << 20, autoClose: false }) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      size += chunk.length;
    }
    return size;
  } finally {
    await handle.close();
  }
}
