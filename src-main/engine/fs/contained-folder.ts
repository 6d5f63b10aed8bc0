import { lstat, mkdir, realpath } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';

export class FolderEscapeError extends Error {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`refusing to write into ${path}: ${reason}`);
    this.name = 'FolderEscapeError';
  }
}

/**
 * Makes (or reuses) the sub-folder `name` of `parent` for writing, refusing a name with separators or
 * `..`, and a sub-folder that is a symlink or otherwise resolves outside `parent`: exports stay inside the
 * folder the user chose, even when something else planted a link there.
 */
export async function containedSubfolder(parent: string, name: string): Promise<string> {
  if (
    name === '' ||
    name === '.' ||
    name === '..' ||
    name.includes('/') ||
    name.includes('\\') ||
    name.includes('\0') ||
    isAbsolute(name)
  ) {
    throw new FolderEscapeError(join(parent, name), `"${name}" is not a plain folder name`);
  }
  const path = join(parent, name);
  const existing = await lstat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (existing?.isSymbolicLink()) throw new FolderEscapeError(path, 'it is a symbolic link');
  if (existing && !existing.isDirectory()) throw new FolderEscapeError(path, 'it exists and is not a folder');
  if (!existing) await mkdir(path);
  const [realParent, realChild] = await Promise.all([realpath(parent), realpath(path)]);
  const inside = relative(realParent, realChild);
  if (inside === '' || inside.startsWith('..' + sep) || inside === '..' || isAbsolute(inside)) {
    throw new FolderEscapeError(path, `it resolves to ${realChild}, outside ${realParent}`);
  }
  return path;
}
