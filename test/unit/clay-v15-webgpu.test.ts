/** The Clay v1.5 encoder parity suite (clay-v15.test.ts) again, on WebGPU (SwiftShader in CI), same tolerances. */
import { reportSkippedWithoutWebGpu, webgpuExpected } from '../helpers/webgpu.ts';

reportSkippedWithoutWebGpu('clay-v15 encoder parity (webgpu)');
if (webgpuExpected) {
  process.env.FLOODLENS_BACKEND = 'webgpu';
  await import('./clay-v15.test.ts');
}
