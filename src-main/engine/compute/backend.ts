/**
 * Picks the best TensorFlow.js backend available: tfjs-node-gpu (CUDA), then WebGPU on a hardware
 * adapter (Dawn: Vulkan, Metal, Direct3D 12), then tfjs-node, then wasm, then cpu. Records why every higher candidate was skipped so `floodlens doctor` and run records can
 * say what was used and why.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { cpus } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import type { ComputeBackend } from '../../api/compute.ts';
import { registerWasmGradientKernels } from './wasm-kernels.ts';
import { activateWebGpu, adapterLabel, type GpuAdapterInfo } from './webgpu.ts';

export type BackendChoice = 'node-gpu' | 'webgpu' | 'node' | 'wasm' | 'cpu';
export const BACKEND_ORDER: readonly BackendChoice[] = ['node-gpu', 'webgpu', 'node', 'wasm', 'cpu'];
export type { GpuAdapterInfo };

export interface SkippedBackend {
  name: BackendChoice;
  reason: string;
}

export interface BackendInfo {
  /** Our name for the backend chosen. */
  backend: BackendChoice;
  /** TensorFlow.js's own name for it (`tensorflow`, `wasm`, `cpu`). */
  tfBackend: string;
  /** What actually computes, e.g. `CPU: AMD EPYC ... ×2 (wasm SIMD, 1 thread)`. */
  device: string;
  /** Every higher-priority backend that was not used, with the reason. */
  skipped: SkippedBackend[];
  /** The WebGPU adapter computing (webgpu backend only; null otherwise). */
  adapter: GpuAdapterInfo | null;
  tfjsVersion: string;
  /** Set when the choice was forced through `opts.force` or FLOODLENS_BACKEND. */
  forced?: BackendChoice;
}

export interface InitBackendOptions {
  /** Use exactly this backend (fails if unavailable). Defaults to env FLOODLENS_BACKEND. */
  force?: BackendChoice;
  /** Log skip reasons (default: silent; callers print BackendInfo themselves). */
  log?: (line: string) => void;
}

export class BackendError extends Error {}

let current: Promise<BackendInfo> | undefined;

/** Initialises once per process (worker); later calls return the same choice. */
export function initBackend(opts: InitBackendOptions = {}): Promise<BackendInfo> {
  current ??= chooseBackend(opts).catch((error: unknown) => {
    current = undefined;
    throw error;
  });
  return current;
}

/** The run.json / api form of the choice. */
export function backendRecord(info: BackendInfo): ComputeBackend {
  return {
    name: info.backend,
    device: info.device,
    skipped: info.skipped.map((s) => ({ name: s.name, reason: s.reason })),
    adapter: info.adapter,
  };
}

function parseForced(opts: InitBackendOptions): BackendChoice | undefined {
  const raw = opts.force ?? process.env.FLOODLENS_BACKEND;
  if (raw === undefined || raw === '' || raw === 'auto') return undefined;
  const alias: Record<string, BackendChoice> = { gpu: 'node-gpu', 'tfjs-node-gpu': 'node-gpu', tensorflow: 'node', 'tfjs-node': 'node' };
  const name = (alias[raw] ?? raw) as BackendChoice;
  if (!BACKEND_ORDER.includes(name)) {
    throw new BackendError(`FLOODLENS_BACKEND="${raw}" is not one of ${BACKEND_ORDER.join(', ')}, auto`);
  }
  return name;
}

async function chooseBackend(opts: InitBackendOptions): Promise<BackendInfo> {
  const forced = parseForced(opts);
  const skipped: SkippedBackend[] = [];
  const candidates = forced ? [forced] : BACKEND_ORDER;
  for (const name of BACKEND_ORDER) {
    if (!candidates.includes(name)) {
      if (forced && BACKEND_ORDER.indexOf(name) < BACKEND_ORDER.indexOf(forced)) {
        skipped.push({ name, reason: `not tried: backend forced to ${forced}` });
      }
      continue;
    }
    try {
      const { device, adapter } = await activate(name, forced === name);
      const info: BackendInfo = { backend: name, tfBackend: tf.getBackend(), device, skipped, adapter, tfjsVersion: tf.version.tfjs };
      if (forced) info.forced = forced;
      return info;
    } catch (error) {
      const reason = error instanceof Error ? firstLine(error.message) : String(error);
      if (forced)
        throw new BackendError(`backend ${forced} (forced) is unavailable: ${reason}${forced === 'node-gpu' ? NODE_GPU_NEEDS : ''}`);
      skipped.push({ name, reason });
      opts.log?.(`backend ${name} skipped: ${reason}`);
    }
  }
  throw new BackendError(`no TensorFlow.js backend could be initialised: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`);
}

/** What tfjs-node-gpu 4.x is built against (libtensorflow 2.9). */
const NODE_GPU_NEEDS = ' (tfjs-node-gpu needs Linux x64, an NVIDIA GPU and driver, CUDA 11.2 and cuDNN 8.1 on the library path)';

function firstLine(text: string): string {
  return text.split('\n')[0].slice(0, 300);
}

function cpuDescription(): string {
  const list = cpus();
  return `CPU: ${list[0]?.model?.trim() ?? 'unknown'} ×${list.length}`;
}

async function activate(name: BackendChoice, forced: boolean): Promise<{ device: string; adapter: GpuAdapterInfo | null }> {
  if (name === 'webgpu') {
    const adapter = await activateWebGpu(forced);
    return { device: adapterLabel(adapter), adapter };
  }
  return { device: await activateTfjs(name), adapter: null };
}

async function activateTfjs(name: Exclude<BackendChoice, 'webgpu'>): Promise<string> {
  switch (name) {
    case 'node-gpu':
    case 'node': {
      const pkg = name === 'node-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
      try {
        // A variable specifier keeps bundlers and tsc from requiring the optional package.
        await import(/* @vite-ignore */ pkg);
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') throw new Error(`${pkg} is not installed`);
        throw new Error(`${pkg} failed to load: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (!(await tf.setBackend('tensorflow'))) throw new Error(`${pkg} loaded but the 'tensorflow' backend did not initialise`);
      await tf.ready();
      if (name === 'node-gpu') return 'CUDA GPU (tfjs-node-gpu)';
      return `${cpuDescription()} (libtensorflow)`;
    }
    case 'wasm': {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      const require = createRequire(import.meta.url);
      const distDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
      wasm.setWasmPaths(distDir + '/');
      registerWasmGradientKernels();
      if (!(await tf.setBackend('wasm'))) throw new Error('tfjs-backend-wasm did not initialise');
      await tf.ready();
      const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
      // tfjs-backend-wasm disables pthreads under Node (tensorflow/tfjs#3830), so this is 1 here.
      const threads = wasm.getThreadsCount();
      return `${cpuDescription()} (wasm${simd ? ' SIMD' : ''}, ${threads} thread${threads === 1 ? '' : 's'})`;
    }
    case 'cpu': {
      await import('@tensorflow/tfjs-backend-cpu');
      if (!(await tf.setBackend('cpu'))) throw new Error('cpu backend did not initialise');
      await tf.ready();
      return `${cpuDescription()} (plain JavaScript)`;
    }
  }
}
