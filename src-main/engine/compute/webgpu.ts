/**
 * The WebGPU rung of the backend ladder: Dawn's Node bindings (npm `webgpu`, a prebuilt `dawn.node` per
 * OS) under @tensorflow/tfjs-backend-webgpu. Picks the adapter itself so it can refuse software
 * rasterisers (SwiftShader, llvmpipe, WARP: slower than wasm) unless WebGPU is forced, report the
 * adapter and its limits, and turn a lost device into an error instead of a hung worker.
 */
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { GpuAdapter } from '../../api/compute.ts';
import { GpuDeviceLostError, GpuOutOfMemoryError } from './gpu-memory.ts';

export type GpuAdapterInfo = GpuAdapter;

const SOFTWARE_ADAPTER = /swiftshader|llvmpipe|lavapipe|softpipe|software|microsoft basic render|warp/i;

interface DawnModule {
  create: (options: string[]) => GPU;
  globals: Record<string, unknown>;
}

let device: GPUDevice | undefined;
let lostReason: string | undefined;
let lost: Promise<never> | undefined;

/** Why the device was lost, once it has been (the backend is unusable from then on). */
export function webgpuDeviceLost(): string | undefined {
  return lostReason;
}

/**
 * Chromium on Linux ships its own Vulkan loader beside its SwiftShader ICD. When VK_ICD_FILENAMES points
 * there and no system loader is installed (Debian's libvulkan1), load that one first so Dawn's
 * dlopen("libvulkan.so.1") finds it. RTLD_NODELETE keeps it mapped after Node rejects it as an addon.
 */
function preloadVulkanLoaderBesideIcd(): void {
  if (process.platform !== 'linux' || !process.env.VK_ICD_FILENAMES) return;
  const loader = join(dirname(process.env.VK_ICD_FILENAMES.split(':')[0]), 'libvulkan.so.1');
  if (!existsSync(loader) || vulkanLoaderStatus() === 'present') return;
  const RTLD_NODELETE = 0x1000; // glibc; not in os.constants.dlopen
  try {
    process.dlopen({ exports: {} }, loader, constants.dlopen.RTLD_NOW | constants.dlopen.RTLD_GLOBAL | RTLD_NODELETE);
  } catch {
    // expected: "did not self-register" — the library is loaded all the same
  }
}

/** Whether the dynamic linker finds the Vulkan loader by name (Linux only; 'unknown' elsewhere). */
function vulkanLoaderStatus(): 'present' | 'missing' | 'unknown' {
  if (process.platform !== 'linux') return 'unknown';
  try {
    process.dlopen({ exports: {} }, 'libvulkan.so.1');
    return 'present';
  } catch (error) {
    return /cannot open shared object/.test(String(error)) ? 'missing' : 'present';
  }
}

function noAdapterMessage(): string {
  const hints: string[] = [];
  if (process.platform === 'linux') {
    if (vulkanLoaderStatus() === 'missing')
      hints.push('the Vulkan loader libvulkan.so.1 is not installed (Debian/Ubuntu: apt install libvulkan1)');
    const icd = process.env.VK_ICD_FILENAMES;
    if (icd && !icd.split(':').some((f) => existsSync(f))) hints.push(`VK_ICD_FILENAMES=${icd} names no existing ICD file`);
    if (!icd)
      hints.push(
        "no Vulkan driver (ICD) answered; without a GPU, Chromium's SwiftShader works: VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json",
      );
  } else if (process.platform === 'darwin') hints.push('Metal found no GPU');
  else if (process.platform === 'win32') hints.push('Direct3D 12 / Vulkan found no GPU (update the graphics driver)');
  return `no WebGPU adapter${hints.length ? `: ${hints.join('; ')}` : ''}`;
}

async function loadDawn(): Promise<DawnModule> {
  try {
    return (await import('webgpu')) as unknown as DawnModule;
  } catch (error) {
    const arch = process.platform === 'darwin' ? 'universal' : process.arch;
    throw new Error(
      `Dawn (npm webgpu, dist/${process.platform}-${arch}/dawn.node) failed to load: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** tfjs-backend-webgpu checks `navigator.gpu` before it constructs (Node ≥ 21 has a navigator, without gpu). */
function exposeNavigatorGpu(gpu: GPU): void {
  const scope = globalThis as { navigator?: object };
  if (!scope.navigator) Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
  if (!('gpu' in scope.navigator!)) Object.defineProperty(scope.navigator, 'gpu', { value: gpu, configurable: true });
}

function describeAdapter(adapter: GPUAdapter): GpuAdapterInfo {
  const info = adapter.info;
  const text = [info.vendor, info.architecture, info.device, info.description].join(' ');
  const fallback = (info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter === true;
  return {
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    software: fallback || SOFTWARE_ADAPTER.test(text),
    maxBufferSize: adapter.limits.maxBufferSize,
    maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
  };
}

export function adapterLabel(a: GpuAdapterInfo): string {
  const name = a.description || [a.vendor, a.architecture, a.device].filter(Boolean).join(' ') || 'unnamed adapter';
  return `${a.software ? 'software ' : ''}GPU: ${name} (${[a.vendor, a.architecture].filter(Boolean).join(' ')}; max buffer ${mib(a.maxBufferSize)}, max storage binding ${mib(a.maxStorageBufferBindingSize)})`;
}

function mib(bytes: number): string {
  return `${Math.round(bytes / 2 ** 20)} MiB`;
}

/**
 * Starts tfjs on WebGPU. Refuses a software adapter unless `allowSoftware`; with no adapter at all, the
 * error names what is missing.
 */
export async function activateWebGpu(allowSoftware: boolean): Promise<GpuAdapterInfo> {
  preloadVulkanLoaderBesideIcd();
  const dawn = await loadDawn();
  // The tfjs backend refers to GPUBufferUsage, GPUMapMode, … as globals, as in a browser.
  for (const [name, value] of Object.entries(dawn.globals)) if (!(name in globalThis)) Object.assign(globalThis, { [name]: value });
  const gpu = dawn.create([]);
  exposeNavigatorGpu(gpu);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error(noAdapterMessage());
  const info = describeAdapter(adapter);
  if (info.software && !allowSoftware) {
    throw new Error(
      `only a software adapter (${info.description || info.architecture}), slower than wasm; FLOODLENS_BACKEND=webgpu uses it anyway`,
    );
  }
  const limits = adapter.limits;
  device = await adapter.requestDevice({
    requiredLimits: {
      maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
      maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
      maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
      maxBufferSize: limits.maxBufferSize,
      maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
      maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
    },
  });
  lostReason = undefined;
  lost = device.lost.then((loss) => {
    lostReason = `GPU device lost on ${adapterLabel(info)} (${loss.reason}${loss.message ? `: ${firstLineOf(loss.message)}` : ''})`;
    throw new GpuDeviceLostError(lostReason);
  });
  lost.catch(() => undefined); // observed by guardGpu; not an unhandled rejection when nothing runs
  const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
  // The package registers its own factory only when a browser-style navigator.gpu exists; ours uses this device.
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  const created = device;
  tf.registerBackend('webgpu', () => new WebGPUBackend(created, adapter.info), 0);
  if (!(await tf.setBackend('webgpu'))) throw new Error('tfjs-backend-webgpu did not initialise on the adapter');
  await tf.ready();
  return info;
}

/**
 * After a lost device: a new device on the adapter and a new tfjs backend on it (every tensor of the old one is
 * gone: the caller reloads what it needs and starts its work again). Returns the adapter; throws when none answers.
 */
export async function recoverWebGpu(): Promise<GpuAdapterInfo> {
  if (!lostReason) throw new Error('recoverWebGpu: the WebGPU device is not lost');
  return activateWebGpu(true);
}

/**
 * Runs one GPU step (it must end by reading its result back) inside WebGPU error scopes: an allocation the
 * device refused becomes a GpuOutOfMemoryError (callers retry smaller: gpu-memory.ts), and a device lost
 * meanwhile a GpuDeviceLostError instead of a readback that never settles. Other backends: just `step()`.
 */
export async function guardGpu<T>(step: () => Promise<T>): Promise<T> {
  const active = device;
  if (!active || tf.getBackend() !== 'webgpu') return step();
  if (lostReason) throw new GpuDeviceLostError(lostReason);
  active.pushErrorScope('validation');
  active.pushErrorScope('out-of-memory');
  let value: T | undefined;
  let failure: unknown;
  try {
    value = await Promise.race([step(), lost!]);
  } catch (error) {
    failure = error;
  }
  if (failure instanceof GpuDeviceLostError) throw failure;
  const outOfMemory = await active.popErrorScope();
  const invalid = await active.popErrorScope();
  // A buffer larger than the adapter allows is a validation error, and so is everything that used it.
  const refused = outOfMemory ?? (invalid && /buffer|size|limit|memory/i.test(invalid.message) ? invalid : null);
  if (refused) throw new GpuOutOfMemoryError(`the GPU refused an allocation: ${firstLineOf(refused.message)}`);
  if (failure !== undefined) throw failure;
  if (invalid) throw new Error(`WebGPU validation error: ${firstLineOf(invalid.message)}`);
  return value as T;
}

function firstLineOf(text: string): string {
  return text.split('\n')[0].slice(0, 300);
}
