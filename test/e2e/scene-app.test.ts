/**
 * Issue 9 in the app, in real Chromium at 1280×720 against the in-process server: a scene mosaic of real
 * Sen1Floods11 chips is opened by path, predicted with a seeded scratch run (no training), and its mask is
 * mapped as tiles the engine reads from the COG (MapLibre's `floodlens-scene://` protocol → `scene.tile`); the
 * probability layer, and polygons exported from the panel.
 * The km² shown must be the summary's; a tile over the scene must be a PNG with water pixels; a tile of the
 * whole world (zoom 0) must come from an overview, not the full image. Screenshot: test-results/scene-1280x720.png.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo, missingForE2e, openAppPage, rendererDir, screenshots } from './app-browser.ts';
import { SceneSummarySchema } from '../../src-main/api/scene.ts';
import { EngineService } from '../../src-main/engine/service.ts';
import { startServer, type RunningServer } from '../../src-main/server/server.ts';
import { hasShared } from '../helpers/shared.ts';
import { buildChipMosaic } from '../helpers/scene-mosaic.ts';
import { writeSeededScratchRun } from '../helpers/seeded-run.ts';

const missing = [...missingForE2e(), ...(hasShared ? [] : ['../shared'])];
if (missing.length > 0) console.warn(`[skipped] e2e scene: missing ${missing.join(', ')}`);

const RUN_ID = '20260101-000000-scratch-seeded';

/** RGBA of a PNG, decoded by the page's own browser (an independent decoder). */
async function decodePng(page: Page, base64: string): Promise<{ width: number; height: number; opaque: number }> {
  return page.evaluate(async (b64) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const context = canvas.getContext('2d')!;
    context.drawImage(bitmap, 0, 0);
    const data = context.getImageData(0, 0, bitmap.width, bitmap.height).data;
    let opaque = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) opaque++;
    return { width: bitmap.width, height: bitmap.height, opaque };
  }, base64);
}

describe.skipIf(missing.length > 0)('a scene predicted in the app (server mode, 1280×720)', () => {
  let server: RunningServer;
  let service: EngineService;
  let browser: Browser;
  let page: Page;
  let temp: string;
  let scene: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    temp = mkdtempSync(join(tmpdir(), 'floodlens-e2e-scene-'));
    const workspaceDir = join(temp, 'workspace');
    mkdirSync(join(workspaceDir, 'runs'), { recursive: true });
    await writeSeededScratchRun(join(workspaceDir, 'runs', RUN_ID), { chipSize: 128 });
    const dataDir = join(temp, 'data');
    mkdirSync(dataDir);
    scene = join(dataDir, 'mosaic.tif');
    buildChipMosaic(scene, { width: 533, height: 301 });
    // Server mode: reads confined to the data folder and the workspace.
    service = new EngineService({ demoWorkspace: demo, workspaceDir, readRoots: [dataDir, demo, workspaceDir] });
    server = await startServer({ service, rendererDir, port: 0 });
    ({ browser, page } = await openAppPage(server.url, { width: 1280, height: 720 }, pageErrors));
    await page.getByTestId('chip-row').first().waitFor({ timeout: 120_000 });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await service?.close();
    if (temp) rmSync(temp, { recursive: true, force: true });
  });

  it('refuses a scene outside the read roots, naming it', async () => {
    await expect(service.handle('scene.predict', { runId: RUN_ID, scene: '/etc/hostname' })).rejects.toThrow(/\/etc\/hostname/);
  });

  it('opens the scene, predicts with progress, shows the km² and maps the mask as tiles from the COG', async () => {
    const panel = page.getByTestId('scene-panel');
    // The map's own tile requests and replies, seen on the wire (WebSocket frames of `scene.tile`).
    const tileReplies: string[] = [];
    let tileRequests = 0;
    let probabilityTileRequests = 0;
    page.on('websocket', (socket) => {
      socket.on('framesent', ({ payload }) => {
        if (String(payload).includes('"scene.tile"')) tileRequests++;
        if (String(payload).includes('"scene.tile"') && String(payload).includes('"probabilities"')) probabilityTileRequests++;
      });
      socket.on('framereceived', ({ payload }) => {
        const match = /"pngBase64":"([^"]+)"/.exec(String(payload));
        if (match) tileReplies.push(match[1]);
      });
    });
    await page.reload();
    await page.getByTestId('chip-row').first().waitFor({ timeout: 120_000 });
    await page.getByTestId('tab-scene').click();
    await page.getByTestId('scene-path').fill(scene);
    await expect.poll(() => page.getByTestId('scene-run').inputValue(), { timeout: 10_000 }).toBe(RUN_ID);
    await page.getByTestId('scene-probabilities').check();
    await page.getByTestId('scene-predict').click();
    await page.waitForTimeout(5000);
    await page.screenshot({ path: join(screenshots, 'scene-progress-1280x720.png') });
    await expect.poll(() => panel.getAttribute('data-status'), { timeout: 170_000, interval: 250 }).toMatch(/done|failed|cancelled/);
    expect(await panel.getAttribute('data-status'), (await panel.textContent()) ?? '').toBe('done');

    // The km² shown is the summary the engine wrote next to the COG.
    const maskPath = (await panel.locator('code').first().textContent())!;
    expect(maskPath.startsWith(join(temp, 'workspace', 'scenes'))).toBe(true);
    const summary = SceneSummarySchema.parse(JSON.parse(readFileSync(maskPath.replace(/_mask\.tif$/, '_summary.json'), 'utf8')));
    const km2 = await page.getByTestId('scene-km2').textContent();
    expect(Number(km2!.replace(/[^0-9.]/g, ''))).toBeCloseTo(summary.waterAreaKm2, summary.waterAreaKm2 < 1 ? 3 : 1);
    const legend = page.locator('[data-testid="legend-entry"][data-layer="scene-mask"]');
    await expect.poll(() => legend.count()).toBe(1);

    // MapLibre asks for tiles over the scene through the protocol; each reply is a 256 px PNG.
    await expect.poll(() => page.getByTestId('map').getAttribute('data-visible-layers'), { timeout: 20_000 }).toContain('scene-mask');
    await expect.poll(() => tileReplies.length, { timeout: 20_000 }).toBeGreaterThan(0);
    expect(tileRequests).toBeGreaterThanOrEqual(tileReplies.length);
    await page.waitForTimeout(1500);
    await page.screenshot({ path: join(screenshots, 'scene-1280x720.png') });
    const served = await Promise.all(tileReplies.map((png) => decodePng(page, png)));
    expect(served.every((t) => t.width === 256 && t.height === 256)).toBe(true);
    if (summary.waterPixels > 0) expect(served.some((t) => t.opaque > 0)).toBe(true);

    // The tile under the scene's centre, as the map gets it: a 256 px PNG with water pixels (as the summary says there are).
    const jobId = maskPath.split('/').at(-2)!;
    const [west, south, east, north] = [
      summary.geoTransform[0],
      summary.geoTransform[3] + summary.height * summary.geoTransform[5],
      summary.geoTransform[0] + summary.width * summary.geoTransform[1],
      summary.geoTransform[3],
    ];
    const z = 12;
    const lon = (west + east) / 2;
    const lat = (south + north) / 2;
    const x = Math.floor(((lon + 180) / 360) * 2 ** z);
    const y = Math.floor(((1 - Math.log(Math.tan((lat * Math.PI) / 180) + 1 / Math.cos((lat * Math.PI) / 180)) / Math.PI) / 2) * 2 ** z);
    const tile = (await service.handle('scene.tile', { jobId, z, x, y })) as { pngBase64: string; level: number };
    const decoded = await decodePng(page, tile.pngBase64);
    expect(decoded.width).toBe(256);
    expect(decoded.height).toBe(256);
    if (summary.waterPixels > 0) expect(decoded.opaque).toBeGreaterThan(0);
    // Zoomed out, the tile comes from the coarsest overview, never the full image.
    const zOut = 8; // the scene spans ~10 tile pixels: ~50 source px each
    const world = (await service.handle('scene.tile', { jobId, z: zOut, x: x >> (z - zOut), y: y >> (z - zOut) })) as { level: number };
    // (GDAL counts the COG's overviews: a 533×301 mask may have none, and then level 0 is the coarsest.)
    const gdal = JSON.parse(execFileSync('gdalinfo', ['-json', maskPath], { encoding: 'utf8' })) as { bands: { overviews?: unknown[] }[] };
    expect(world.level).toBe(gdal.bands[0].overviews?.length ?? 0);

    // The probability layer: the map switches to tiles of the probability COG (the ramp over every pixel with data).
    expect(summary.files.probabilities).not.toBeNull();
    await page.getByTestId('scene-layer-probabilities').check();
    await expect.poll(() => probabilityTileRequests, { timeout: 20_000 }).toBeGreaterThan(0);
    const probabilityTile = (await service.handle('scene.tile', { jobId, z, x, y, layer: 'probabilities' })) as { pngBase64: string };
    expect((await decodePng(page, probabilityTile.pngBase64)).opaque).toBeGreaterThan(decoded.opaque);

    // Export polygons from the panel: GDAL opens the GeoPackage and counts the features the panel shows.
    await page.getByTestId('scene-export-polygons').click();
    const polygons = page.getByTestId('scene-polygons');
    await polygons.waitFor({ timeout: 60_000 });
    const gpkg = (await polygons.locator('code').first().textContent())!;
    expect(gpkg).toMatch(/_water\.gpkg$/);
    const ogr = execFileSync('ogrinfo', ['-so', '-al', gpkg], { encoding: 'utf8' });
    const features = Number(/Feature Count: (\d+)/.exec(ogr)![1]);
    expect((await polygons.locator('dd').first().textContent())!.startsWith(`${features} ·`)).toBe(true);
    if (summary.waterPixels > 0) expect(features).toBeGreaterThan(0);
    await page.screenshot({ path: join(screenshots, 'scene-probabilities-1280x720.png') });
    expect(pageErrors).toEqual([]);
  }, 260_000);
});
