/**
 * "Use a file I already have": put a checkpoint the user downloaded elsewhere into the weights folder
 * without copying gigabytes when it can be avoided (hard link on the same filesystem, else a symbolic
 * link; `copy` forces a real copy), and report its SHA-256 so it can be compared with a published one.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, link, mkdir, rm, stat, symlink } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { errorCode } from './errors.ts';

export interface AddedWeights {
  path: string;
  how: 'hard-link' | 'symlink' | 'copy' | 'already-there';
  bytes: number;
  sha256: string;
}

export async function sha256OfFile(path: string, onBytes?: (bytes: number) => void): Promise<string> {
  const hash = createHash('sha256');
  let done = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
    done += (chunk as Buffer).length;
    onBytes?.(done);
  }
  return hash.digest('hex');
}

export async function addLocalWeights(file: string, dir: string, opts: { name?: string; copy?: boolean } = {}): Promise<AddedWeights> {
  const source = resolve(file);
  const info = await stat(source);
  if (!info.isFile()) throw new Error(`${source} is not a file`);
  const dest = join(resolve(dir), opts.name ?? basename(source));
  await mkdir(resolve(dir), { recursive: true });
  const existing = await stat(dest).catch(() => null);
  let how: AddedWeights['how'];
  if (existing && existing.ino === info.ino && existing.dev === info.dev) how = 'already-there';
  else {
    if (existing) throw new Error(`${dest} already exists (a different file); remove it or pass another name`);
    how = opts.copy ? 'copy' : await linkOrSymlink(source, dest);
    if (how === 'copy')
      await copyFile(source, dest).catch(async (error) => {
        await rm(dest, { force: true });
        throw error;
      });
  }
  return { path: dest, how, bytes: info.size, sha256: await sha256OfFile(source) };
}

async function linkOrSymlink(source: string, dest: string): Promise<'hard-link' | 'symlink'> {
  try {
    await link(source, dest);
    return 'hard-link';
  } catch (error) {
    if (errorCode(error) !== 'EXDEV' && errorCode(error) !== 'EPERM') throw error;
    await symlink(source, dest);
    return 'symlink';
  }
}
