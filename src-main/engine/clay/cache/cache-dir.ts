/**
 * Where converted encoders are kept. The host decides (Electron: its user-data folder; CLI:
 * `$FLOODLENS_HOME/cache`, else `~/.floodlens/cache`). The choice travels in an environment variable so
 * job workers started afterwards inherit it.
 */
import { join, resolve } from 'node:path';
import { defaultCliDataDir } from '../../weights/weights-dir.ts';

export const ENCODER_CACHE_ENV = 'FLOODLENS_CACHE_DIR';
const OFF = 'off';

/** `<data dir>/cache`: `$FLOODLENS_HOME/cache`, else `~/.floodlens/cache`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(defaultCliDataDir(env), 'cache');
}

/** Set this process's (and its future workers') cache folder; `null` turns the encoder cache off. */
export function setCacheDir(dir: string | null): void {
  process.env[ENCODER_CACHE_ENV] = dir === null ? OFF : resolve(dir);
}

/**
 * The cache folder to use: an explicit choice (`null` = no cache), else `$FLOODLENS_CACHE_DIR`
 * (`off` = no cache), else the CLI default.
 */
export function resolveCacheDir(explicit?: string | null, env: NodeJS.ProcessEnv = process.env): string | null {
  if (explicit !== undefined) return explicit === null ? null : resolve(explicit);
  const fromEnv = env[ENCODER_CACHE_ENV]?.trim();
  if (fromEnv === OFF) return null;
  return fromEnv ? resolve(fromEnv) : defaultCacheDir(env);
}

export function encodersDir(cacheDir: string): string {
  return join(cacheDir, 'encoders');
}
