import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/architecture/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts', 'test/fuzz/**/*.test.ts', 'test/robustness/**/*.test.ts', 'test/security/**/*.test.ts', 'test/packaging/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Encoder caches written by tests stay out of the user's ~/.floodlens.
    env: { FLOODLENS_CACHE_DIR: join(tmpdir(), `floodlens-test-cache-${process.pid}`) },
    reporters: ['default', './test/reporters/summary-line.ts'],
  },
});
