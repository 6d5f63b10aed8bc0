/** The Clay v1.5 encoder parity suite (clay-v15.test.ts) again, on WebGPU (SwiftShader in CI), same tolerances. */
import { it, vi } from 'vitest';
import { reportSkippedWithoutWebGpu, webgpuExpected } from '../helpers/webgpu.ts';

// SwiftShader runs tfjs's tiled shaders (workgroup barriers) very slowly: minutes, not seconds.
vi.setConfig({ testTimeout: 1_200_000, hookTimeout: 1_200_000 });
reportSkippedWithoutWebGpu('clay-v15 encoder parity (webgpu)');
if (webgpuExpected) {
  process.env.FLOODLENS_BACKEND = 'webgpu';
  await import('./clay-v15.test.ts');
} else it.skip('needs FLOODLENS_WEBGPU_PARITY=1', () => undefined);
