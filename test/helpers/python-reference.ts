import { execFileSync } from 'node:child_process';

import { has, SYSTEM_PYTHON } from './references.ts';

export { SYSTEM_PYTHON };
export const hasRasterio = has('rasterio');
export const hasTorch = has('torch');

/** Runs a python snippet with Debian's python3 and parses the JSON it prints. */
export function runPythonJson<T>(code: string, args: string[] = []): T {
  return JSON.parse(execFileSync(SYSTEM_PYTHON, ['-c', code, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 })) as T;
}
