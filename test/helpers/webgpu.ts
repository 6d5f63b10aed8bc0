/**
 * WebGPU for tests on machines without a GPU: Chromium's SwiftShader (a software Vulkan driver) through
 * Dawn. Sets VK_ICD_FILENAMES and a private XDG_RUNTIME_DIR for this process (and its worker threads)
 * before anything loads Dawn, unless the environment already chose a driver.
 * CI (CI=true) must have it: there a missing WebGPU fails the suites instead of skipping them.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

export function prepareSoftwareWebGpu(): void {
  if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  // mkdtemp creates the folder with mode 0700, as XDG_RUNTIME_DIR must be.
  if (!process.env.XDG_RUNTIME_DIR) process.env.XDG_RUNTIME_DIR = mkdtempSync(join(tmpdir(), 'floodlens-xdg-'));
}

prepareSoftwareWebGpu();

/** Skip (with a note) only outside CI, and only when there is no Vulkan driver to try. */
export const webgpuExpected = process.env.CI === 'true' || Boolean(process.env.VK_ICD_FILENAMES) || process.platform !== 'linux';

export function reportSkippedWithoutWebGpu(suite: string): void {
  if (!webgpuExpected) console.warn(`[skipped] ${suite}: no Vulkan driver here (install chromium for SwiftShader, ${SWIFTSHADER_ICD})`);
}
