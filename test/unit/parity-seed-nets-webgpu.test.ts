/** The seed-net parity suite on WebGPU (SwiftShader in CI); tolerances as on wasm. */
import { vi } from 'vitest';
import { reportSkippedWithoutWebGpu, webgpuExpected } from '../helpers/webgpu.ts';
import { describeSeedNetParity } from './parity-seed-nets.suite.ts';

// SwiftShader runs tfjs's tiled shaders (workgroup barriers) very slowly: minutes, not seconds.
vi.setConfig({ testTimeout: 1_200_000, hookTimeout: 1_200_000 });
reportSkippedWithoutWebGpu('parity-seed-nets (webgpu)');
describeSeedNetParity('webgpu', { tensor: 1e-4, chainedAdam: 1e-3 }, !webgpuExpected);
