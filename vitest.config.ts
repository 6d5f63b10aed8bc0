import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

// test/unit/webgpu-parity.test.ts runs in `npm test` on SwiftShader (Clay v1.5, the finetune decoder's whole chain, the
// scratch net's forward on a crop, a tiny run). The scratch net's whole chain and Clay v0 on WebGPU (*-webgpu.test.ts)
// take software WebGPU tens of minutes: only on request, `npm run test:webgpu` (issue 10).
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
