/**
 * The Clay v0 encoder parity suite (clay-v0.test.ts) on WebGPU, opt-in (`npm run test:webgpu`): its fixture is
 * 2 × 13 × 512² (global attention over every token: no smaller exact subset), and its set-up forward alone took
 * SwiftShader more than 15 min on the shared 2-core machine. Clay v1.5 runs on webgpu in `npm test`.
 */
import { it, vi } from 'vitest';
import { reportSkippedWithoutWebGpu, webgpuExpected } from '../helpers/webgpu.ts';

vi.setConfig({ testTimeout: 3_600_000, hookTimeout: 3_600_000 });
reportSkippedWithoutWebGpu('clay-v0 encoder parity (webgpu)');
if (webgpuExpected) {
  process.env.FLOODLENS_BACKEND = 'webgpu';
  await import('./clay-v0.test.ts');
} else it.skip('needs FLOODLENS_WEBGPU_PARITY=1', () => undefined);
