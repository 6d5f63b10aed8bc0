/**
 * The scratch net's whole parity chain on WebGPU (SwiftShader here), opt-in: `npm run test:webgpu`. Its ≈ 3 GMAC
 * forward takes software WebGPU tens of minutes for the chain; CI runs the rest on webgpu (webgpu-parity.test.ts).
 */
import { vi } from 'vitest';
import { reportSkippedWithoutWebGpu, webgpuExpected } from '../helpers/webgpu.ts';
import { describeSeedNetParity } from './parity-seed-nets.suite.ts';

vi.setConfig({ testTimeout: 3_600_000, hookTimeout: 3_600_000 });
reportSkippedWithoutWebGpu('parity-seed-nets scratch-net whole chain (webgpu)');
describeSeedNetParity('webgpu', { tensor: 1e-4, chainedAdam: 1e-3 }, !webgpuExpected, ['scratch-net']);
