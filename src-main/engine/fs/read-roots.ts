import { realpath } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';

/** A path a remote client asked to read lies outside the folders the host allowed. */
export class ReadOutsideRootsError extends Error {
  constructor(
    readonly path: string,
    roots: readonly string[],
  ) {
    super(
      `${path} is outside the folders this server may read (${roots.join(', ')}); start \`serve\` with --data-dir <folder> to allow another`,
    );
    this.name = 'ReadOutsideRootsError';
  }
}

/** The real path of `path`, or of its nearest existing ancestor plus the rest (a path need not exist yet to be judged). */
async function realOrNearest(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    const parent = dirname(path);
    if (parent === path) return path;
    return resolve(await realOrNearest(parent), relative(parent, path));
  }
}

const inside = (root: string, path: string) => {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..' + sep) && rel !== '..' && !isAbsolute(rel));
};

/**
 * Folders a host lets remote clients read (server mode: `--data-dir`, repeatable, and the workspace).
 * Paths are judged after resolving symlinks, so `../..`, absolute paths and links out are all refused.
 */
export class ReadRoots {
  private realRoots: Promise<string[]> | null = null;
  constructor(readonly roots: readonly string[]) {}

  async check(path: string): Promise<string> {
    this.realRoots ??= Promise.all(this.roots.map((root) => realOrNearest(resolve(root))));
    const real = await realOrNearest(resolve(path));
    if (!(await this.realRoots).some((root) => inside(root, real))) throw new ReadOutsideRootsError(path, this.roots);
    return path;
  }
}
