import { statfs } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { errorCode } from './errors.ts';

/**
 * Bytes an unprivileged process may still write on the filesystem holding `path` (statfs `bavail`).
 * The path need not exist yet: its nearest existing ancestor is asked.
 */
export async function freeBytes(path: string): Promise<number> {
  let current = resolve(path);
  for (;;) {
    try {
      const info = await statfs(current);
      return Number(info.bavail) * Number(info.bsize);
    } catch (error) {
      const parent = dirname(current);
      if (errorCode(error) !== 'ENOENT' || parent === current) throw error;
      current = parent;
    }
  }
}

/** `5.16 GB` style (decimal units, as Hugging Face shows sizes). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(unit >= 3 ? 2 : 1)} ${units[unit]}`;
}

/** Rounded up to 0.1 GB: "needs ~6.5 GB free". */
export function formatNeeded(bytes: number): string {
  return `${(Math.ceil(bytes / 1e8) / 10).toFixed(1)} GB`;
}
