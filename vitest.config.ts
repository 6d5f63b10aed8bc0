import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

// The WebGPU parity suites run on SwiftShader only on request (`npm run test:webgpu`): tfjs's tiled shaders take
// minutes per step there, so they are not part of `npm test` (docs/ARCHITECTURE.md, issue 10).
const webgpuSuites = 'test/**/*-webgpu.test.ts';
const webgpuOnly = process.env.FLOODLENS_WEBGPU_PARITY === '1';

export default defineConfig({
  test: {
    include: [
      'test/unit/**/*.test.ts',
      'test/architecture/**/*.test.ts',
      'test/integration/**/*.test.ts',
      'test/e2e/**/*.test.ts',
      'test/fuzz/**/*.test.ts',
      'test/robustness/**/*.test.ts',
      'test/security/**/*.test.ts',
      'test/packaging/**/*.test.ts',
    ],
    exclude: webgpuOnly ? [] : [webgpuSuites, '**/node_modules/**'],
    testTimeout: 120_000,
    hookTimeout: 240_000,
    pool: 'forks',
    // Encoder caches written by tests stay out of the user's ~/.floodlens.
    env: { FLOODLENS_CACHE_DIR: join(tmpdir(), `floodlens-test-cache-${process.pid}`) },
    reporters: ['default', './test/reporters/summary-line.ts'],
  },
});
