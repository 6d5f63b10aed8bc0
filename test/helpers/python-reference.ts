import { execFileSync } from 'node:child_process';

/** Debian's python3 (not a pyenv one): rasterio, numpy and torch live there. */
export const SYSTEM_PYTHON = '/usr/bin/python3';

function canImport(modules: string): boolean {
  try {
    execFileSync(SYSTEM_PYTHON, ['-c', `import ${modules}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export const hasRasterio = canImport('rasterio, numpy');
export const hasTorch = canImport('torch');

/** Runs a python snippet with Debian's python3 and parses the JSON it prints. */
export function runPythonJson<T>(code: string, args: string[] = []): T {
  return JSON.parse(execFileSync(SYSTEM_PYTHON, ['-c', code, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 })) as T;
}
