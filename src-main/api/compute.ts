/**
 * What computes: the TensorFlow.js backend chosen (`floodlens doctor`, run.json `backend`), the WebGPU
 * adapter when there is one, and why every faster backend was skipped.
 */
import { z } from 'zod';

export const GpuAdapterSchema = z.object({
  vendor: z.string(),
  architecture: z.string(),
  device: z.string(),
  description: z.string(),
  /** A software rasteriser (SwiftShader, llvmpipe, WARP): used only when forced. */
  software: z.boolean(),
  /** Bytes. */
  maxBufferSize: z.number(),
  /** Bytes: the largest tensor one kernel can read or write. */
  maxStorageBufferBindingSize: z.number(),
});
export type GpuAdapter = z.infer<typeof GpuAdapterSchema>;

export const ComputeBackendSchema = z.object({
  /** node-gpu | webgpu | node | wasm | cpu */
  name: z.string(),
  /** One line to show the user, e.g. `GPU: NVIDIA GeForce RTX 3060 (nvidia ampere; max buffer …)` or `CPU: … (wasm SIMD, 1 thread)`. */
  device: z.string().nullable(),
  skipped: z.array(z.object({ name: z.string(), reason: z.string() })),
  /** The WebGPU adapter (webgpu backend only); absent in runs recorded before it existed. */
  adapter: GpuAdapterSchema.nullable().optional(),
});
export type ComputeBackend = z.infer<typeof ComputeBackendSchema>;
