/**
 * Is a reference here? The independent judges the tests compare against (GDAL, rasterio + numpy, PyTorch, Chromium)
 * and ../shared. Each answer is computed once per test process, on first use. CI installs every one of them, and there
 * a skipped test fails the run (test/reporters/summary-line.ts).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { hasShared } from './shared.ts';

/** Debian's python3 (not a pyenv one): rasterio, numpy and torch live there. */
export const SYSTEM_PYTHON = '/usr/bin/python3';
/** Debian's Chromium, driven by playwright-core. */
export const CHROMIUM = '/usr/bin/chromium';

export type Reference = 'gdal' | 'rasterio' | 'numpy' | 'torch' | 'python' | 'chromium' | 'shared';

const runs = (command: string, args: string[]) => spawnSync(command, args, { stdio: 'ignore' }).status === 0;
const pythonImports = (modules: string) => existsSync(SYSTEM_PYTHON) && runs(SYSTEM_PYTHON, ['-c', `import ${modules}`]);

const probes: Record<Reference, () => boolean> = {
  gdal: () => runs('gdalinfo', ['--version']) && runs('gdal_translate', ['--version']) && runs('gdaltransform', ['--version']),
  rasterio: () => pythonImports('rasterio, numpy'),
  numpy: () => pythonImports('numpy'),
  torch: () => pythonImports('torch, numpy'),
  python: () => existsSync(SYSTEM_PYTHON),
  chromium: () => existsSync(CHROMIUM),
  shared: () => hasShared,
};

/** What each reference is, for skip messages. */
const descriptions: Record<Reference, string> = {
  gdal: 'GDAL command-line tools (gdal-bin)',
  rasterio: `${SYSTEM_PYTHON} with rasterio and numpy`,
  numpy: `${SYSTEM_PYTHON} with numpy`,
  torch: `${SYSTEM_PYTHON} with torch and numpy`,
  python: SYSTEM_PYTHON,
  chromium: `Chromium at ${CHROMIUM}`,
  shared: '../shared (real data and fixtures)',
};

const known = new Map<Reference, boolean>();

/** True when the reference is installed (computed once, on first ask). */
export function has(reference: Reference): boolean {
  let answer = known.get(reference);
  if (answer === undefined) {
    answer = probes[reference]();
    known.set(reference, answer);
  }
  return answer;
}

/** The references among `needed` that are absent. */
export function missing(...needed: Reference[]): Reference[] {
  return needed.filter((reference) => !has(reference));
}

/**
 * True when every reference in `needed` is here; otherwise prints one `[skipped] <suite>: needs …` line naming what
 * is absent, and returns false (for `describe.skipIf(!needs(...))`).
 */
export function needs(suite: string, ...needed: Reference[]): boolean {
  const absent = missing(...needed);
  if (absent.length > 0)
    console.warn(`[skipped] ${suite}: needs ${absent.map((reference) => descriptions[reference]).join(', ')}, absent here`);
  return absent.length === 0;
}
