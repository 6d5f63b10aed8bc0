/** The Clay v0 encoder parity suite (clay-v0.test.ts) again, on WebGPU (SwiftShader in CI), same tolerances. */
import { reportSkippedWithoutWebGpu, webgpuExpected } from '../helpers/webgpu.ts';

reportSkippedWithoutWebGpu('clay-v0 encoder parity (webgpu)');
if (webgpuExpected) {
  process.env.FLOODLENS_BACKEND = 'webgpu';
  await import('./clay-v0.test.ts');
}
