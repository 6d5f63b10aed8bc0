import { readdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { CLAY_WEIGHTS_CATALOGUE, type ClayWeightsEntry } from './catalogue.ts';
import { partPath } from './download.ts';

/** Downloaded weights live in `<data dir>/weights`; the host (Electron, CLI) decides the data dir. */
export function weightsDir(dataDir: string): string {
  return join(resolve(dataDir), 'weights');
}

/** The CLI's data dir: `$FLOODLENS_HOME`, else `~/.floodlens`. */
export function defaultCliDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const home = env.FLOODLENS_HOME?.trim();
  return home ? resolve(home) : join(homedir(), '.floodlens');
}

export function catalogueFilePath(dir: string, entry: ClayWeightsEntry): string {
  return join(dir, entry.fileName);
}

export interface WeightsFileStatus {
  /** The catalogue entry, or null for a checkpoint the user put in the folder themselves. */
  entry: ClayWeightsEntry | null;
  path: string;
  present: boolean;
  /** Size of the complete file when present. */
  sizeBytes: number | null;
  /** Size of `<file>.part` when an interrupted download can be resumed. */
  partialBytes: number | null;
}

async function fileSize(path: string): Promise<number | null> {
  const info = await stat(path).catch(() => null);
  return info?.isFile() ? info.size : null;
}

/**
 * Every catalogue entry with whether it is in `dir` (complete or partly downloaded), followed by any
 * other `.ckpt` / `.pt` files found there. A missing folder simply means nothing is present.
 */
export async function listWeights(dir: string): Promise<WeightsFileStatus[]> {
  const statuses: WeightsFileStatus[] = [];
  for (const entry of CLAY_WEIGHTS_CATALOGUE) {
    const path = catalogueFilePath(dir, entry);
    const sizeBytes = await fileSize(path);
    statuses.push({ entry, path, present: sizeBytes !== null, sizeBytes, partialBytes: await fileSize(partPath(path)) });
  }
  const known = new Set(CLAY_WEIGHTS_CATALOGUE.map((entry) => entry.fileName));
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names.sort()) {
    if (known.has(name) || !/\.(ckpt|pt)$/i.test(name)) continue;
    const path = join(dir, name);
    const sizeBytes = await fileSize(path);
    if (sizeBytes !== null) statuses.push({ entry: null, path, present: true, sizeBytes, partialBytes: null });
  }
  return statuses;
}
