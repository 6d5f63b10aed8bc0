import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

// test/unit/webgpu-parity.test.ts runs in `npm test` on SwiftShader (seed nets' whole chains — the scratch net on a 64²
// crop —, Clay v0 and v1.5, scene prediction, a tiny run). The scratch net's chain on the fixture's full
// 128² input (*-webgpu.test.ts) takes software WebGPU over 30 min: only on request, `npm run test:webgpu` (issue 10).
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
