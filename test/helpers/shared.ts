import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** `../shared` beside the clone: real data and parity fixtures. CI has it; a user's clone may not. */
export const sharedDir = resolve(import.meta.dirname, '../../../shared');
export const hasShared = existsSync(resolve(sharedDir, 'data/README.md'));
export const sharedData = (...parts: string[]) => resolve(sharedDir, 'data', ...parts);
export const sharedFixture = (...parts: string[]) => resolve(sharedDir, 'fixtures', ...parts);

/** Message printed once per suite that is skipped because ../shared is absent. */
export function reportSkippedWithoutShared(suite: string): void {
  if (!hasShared) console.warn(`[skipped] ${suite}: needs ../shared (real data and fixtures), which is absent here`);
}

export const repoRoot = resolve(import.meta.dirname, '../..');
