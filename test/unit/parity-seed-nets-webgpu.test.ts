/** The seed-net parity suite on WebGPU (SwiftShader in CI); tolerances as on wasm. */
import { reportSkippedWithoutWebGpu, webgpuExpected } from '../helpers/webgpu.ts';
import { describeSeedNetParity } from './parity-seed-nets.suite.ts';

reportSkippedWithoutWebGpu('parity-seed-nets (webgpu)');
describeSeedNetParity('webgpu', { tensor: 1e-4, chainedAdam: 1e-3 }, !webgpuExpected);
