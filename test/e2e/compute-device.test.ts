/**
 * The app shows what it computes on: the header reads the engine's `compute.info` (the backend its workers chose and
 * the GPU adapter), here with the server forced to WebGPU on SwiftShader, in real Chromium. Only the backend starts
 * (no shader is compiled), so this costs a browser and a Dawn device.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo, missingForE2e, openAppPage, rendererDir, screenshots } from './app-browser.ts';
import { softwareWebGpuAvailable } from '../helpers/webgpu.ts';
import { EngineService } from '../../src-main/engine/service.ts';
import { startServer, type RunningServer } from '../../src-main/server/server.ts';

const missing = [...missingForE2e(), !softwareWebGpuAvailable && 'a WebGPU adapter (Debian chromium, for its SwiftShader Vulkan driver)'];
const absent = missing.filter(Boolean);
if (absent.length > 0) console.warn(`[skipped] e2e compute device: missing ${absent.join(', ')}`);

describe.skipIf(absent.length > 0)('the app shows its compute device (server forced to webgpu)', () => {
  let server: RunningServer;
  let service: EngineService;
  let browser: Browser;
  let page: Page;
  let temp: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    process.env.FLOODLENS_BACKEND = 'webgpu'; // the engine's worker threads start with this environment
    temp = mkdtempSync(join(tmpdir(), 'floodlens-e2e-device-'));
    service = new EngineService({ demoWorkspace: demo, workspaceDir: join(temp, 'workspace') });
    server = await startServer({ service, rendererDir, port: 0 });
    ({ browser, page } = await openAppPage(server.url, { width: 1400, height: 800 }, pageErrors));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await service?.close();
    if (temp) rmSync(temp, { recursive: true, force: true });
  });

  it('names the backend, the adapter (software, SwiftShader) and its limits in the header', async () => {
    const device = page.getByTestId('compute-device');
    await expect.poll(() => device.textContent(), { timeout: 120_000 }).toMatch(/compute: webgpu · /);
    const text = (await device.textContent())!.replace(/\s+/g, ' ').trim();
    console.log(`[e2e] the app's header shows: "${text}"`);
    expect(text).toMatch(/^compute: webgpu · software GPU: .*SwiftShader.* max buffer \d+ MiB, max storage binding \d+ MiB\)$/);
    expect(await device.getAttribute('title')).toContain('node-gpu skipped: not tried: backend forced to webgpu');
    await page.screenshot({ path: join(screenshots, 'e2e-compute-device.png'), clip: { x: 0, y: 0, width: 1400, height: 60 } });
    expect(pageErrors).toEqual([]);
  });
});
