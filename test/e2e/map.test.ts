/**
 * The app in real Chromium against the in-process server and the real engine: demo chips listed and drawn
 * at their true place, table ↔ map selection, chip quicklooks exactly on their footprint, layer toggles,
 * and the server's token / Origin guards. Screenshots go to test-results/ (look at them).
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo, missingForE2e, openAppPage, rendererDir, screenshots } from './app-browser.ts';
import { WebSocket } from 'ws';
import type { ChipInfo } from '../../src-main/api/dataset.ts';
import { inspectDataset } from '../../src-main/engine/dataset/inspect.ts';
import { chipGridOf } from '../../src-main/engine/preview/chip-preview.ts';
import { chipFootprint } from '../../src-main/engine/preview/footprint.ts';
import { EngineService } from '../../src-main/engine/service.ts';
import { startServer, type RunningServer } from '../../src-main/server/server.ts';

const missing = [...missingForE2e()].filter(Boolean);
if (missing.length > 0) console.warn(`[skipped] e2e map: missing ${missing.join(', ')}`);

type Bbox = [number, number, number, number];
const mercY = (lat: number) => Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360));
const bboxOf = (points: [number, number][]): Bbox => [
  Math.min(...points.map((p) => p[0])),
  Math.min(...points.map((p) => p[1])),
  Math.max(...points.map((p) => p[0])),
  Math.max(...points.map((p) => p[1])),
];
const contains = (outer: Bbox, inner: Bbox) => outer[0] <= inner[0] && outer[1] <= inner[1] && outer[2] >= inner[2] && outer[3] >= inner[3];

describe.skipIf(missing.length > 0)('desktop UI in Chromium (server mode)', () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let chips: ChipInfo[];
  const pageErrors: string[] = [];

  async function mapState(): Promise<{ bounds: Bbox; zoom: number; visible: string[]; quicklooks: Record<string, [number, number][]> }> {
    const map = page.getByTestId('map');
    const [bounds, zoom, visible, quicklooks] = await Promise.all(
      ['data-bounds', 'data-zoom', 'data-visible-layers', 'data-quicklooks'].map((a) => map.getAttribute(a)),
    );
    return {
      bounds: (bounds ?? '').split(',').map(Number) as Bbox,
      zoom: Number(zoom),
      visible: (visible ?? '').split(' '),
      quicklooks: JSON.parse(quicklooks ?? '{}'),
    };
  }

  /** Polls the map state until `check` holds (the map publishes its state when it goes idle). */
  async function waitForMap(check: (state: Awaited<ReturnType<typeof mapState>>) => boolean, what: string, timeoutMs = 20_000) {
    const deadline = Date.now() + timeoutMs;
    let last: Awaited<ReturnType<typeof mapState>> | null = null;
    while (Date.now() < deadline) {
      last = await mapState().catch(() => null);
      if (last && check(last)) return last;
      await page.waitForTimeout(200);
    }
    throw new Error(`timed out waiting for the map: ${what}; last state ${JSON.stringify(last)}`);
  }

  beforeAll(async () => {
    chips = (await inspectDataset(demo)).chips;
    server = await startServer({ service: new EngineService({ demoWorkspace: demo }), rendererDir, port: 0 });
    ({ browser, page } = await openAppPage(server.url, { width: 1400, height: 850 }, pageErrors));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('opens the demo workspace and lists every chip', async () => {
    await page.getByTestId('chip-row').first().waitFor({ timeout: 120_000 });
    const ids = await page.getByTestId('chip-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-chip-id')));
    expect(ids.sort()).toEqual(chips.map((c) => c.id).sort());
    await expect.poll(() => page.getByTestId('dataset-summary').textContent()).toContain(`${chips.length} chips`);
  });

  it('shows all footprints: the map bounds contain every chip bbox', async () => {
    const state = await waitForMap((s) => chips.every((c) => contains(s.bounds, c.bboxWgs84 as Bbox)), 'bounds containing all chips');
    expect(state.visible).toEqual(expect.arrayContaining(['land', 'chip-footprint-fill', 'chip-centroids']));
    expect(state.visible).not.toContain('basemap-osm');
    await page.screenshot({ path: join(screenshots, 'e2e-overview.png') });
  });

  it('flies to a chip picked in the table and drops its image exactly on its footprint', async () => {
    const chip = chips.find((c) => c.epsg !== 4326) ?? chips[0]; // the UTM chip when there is one
    const footprint = chipFootprint(chipGridOf(chip));
    await page.locator(`[data-chip-id="${chip.id}"]`).click();
    await expect.poll(() => page.locator(`[data-chip-id="${chip.id}"]`).getAttribute('aria-selected')).toBe('true');
    const state = await waitForMap(
      (s) =>
        contains(s.bounds, footprint.bbox) &&
        s.bounds[2] - s.bounds[0] < 5 * (footprint.bbox[2] - footprint.bbox[0]) &&
        'chip-preview-s1' in s.quicklooks,
      `flown to ${chip.id} with its S1 quicklook`,
    );
    expect(state.zoom).toBeGreaterThan(11);
    const [west, south, east, north] = footprint.bbox;
    expect(state.quicklooks['chip-preview-s1']).toEqual([
      [west, north],
      [east, north],
      [east, south],
      [west, south],
    ]);
    expect(state.visible).toContain('chip-preview-s1');
    await page.screenshot({ path: join(screenshots, 'e2e-chip-s1.png') });
  });

  it('toggles the label layer on and the footprints off', async () => {
    await page.getByTestId('layer-toggle-label').check();
    await waitForMap((s) => s.visible.includes('chip-preview-label'), 'label layer visible');
    await page.getByTestId('layer-toggle-s1').uncheck();
    await page.getByTestId('layer-toggle-footprints').uncheck();
    const state = await waitForMap(
      (s) => !s.visible.includes('chip-footprint-fill') && !s.visible.includes('chip-preview-s1'),
      'footprints and S1 hidden',
    );
    expect(state.visible).toContain('chip-preview-label');
    await page.screenshot({ path: join(screenshots, 'e2e-chip-label.png') });
    await page.getByTestId('layer-toggle-footprints').check();
    await page.getByTestId('layer-toggle-s1').check();
    await waitForMap((s) => s.visible.includes('chip-footprint-fill'), 'footprints back');
  });

  it('at ~1:10 000 the label still meets the footprint outline at the chip corner (screenshot)', async () => {
    await page.getByTestId('layer-toggle-s1').uncheck();
    const start = await waitForMap((s) => !s.visible.includes('chip-preview-s1'), 'S1 hidden');
    const [west, , , north] = bboxOf(start.quicklooks['chip-preview-label']);
    // Double-click zooms in by one level around the clicked point: aim at the chip's north-west corner.
    const box = (await page.getByTestId('map').boundingBox())!;
    for (let step = 0; step < 4; step++) {
      const s = await mapState();
      const x = ((west - s.bounds[0]) / (s.bounds[2] - s.bounds[0])) * box.width;
      const y = ((mercY(s.bounds[3]) - mercY(north)) / (mercY(s.bounds[3]) - mercY(s.bounds[1]))) * box.height;
      await page.mouse.dblclick(box.x + x, box.y + y);
      await waitForMap((n) => n.zoom > s.zoom + 0.9, 'zoomed in');
    }
    const zoomed = await mapState();
    expect(zoomed.zoom).toBeGreaterThan(15); // ≈ 1:10 000 or closer at this latitude
    expect(zoomed.bounds[0] < west && zoomed.bounds[2] > west && zoomed.bounds[1] < north && zoomed.bounds[3] > north).toBe(true);
    await page.screenshot({ path: join(screenshots, 'e2e-chip-corner-zoom.png') });
    await page.getByTestId('layer-toggle-s1').check();
  });

  it('clicking a chip on the map opens its popup and highlights its row', async () => {
    const other = chips.find((c) => c.epsg === 4326)!;
    await page.locator(`[data-chip-id="${other.id}"]`).click();
    await waitForMap((s) => contains(s.bounds, other.bboxWgs84 as Bbox) && s.zoom > 11, `flown to ${other.id}`);
    await page.getByTestId('layer-toggle-label').uncheck();
    // Select something else first, so the click on the map is what selects `other` again.
    await page.locator(`[data-chip-id="${chips.find((c) => c.id !== other.id)!.id}"]`).click();
    await waitForMap((s) => !contains(s.bounds, other.bboxWgs84 as Bbox), 'flown away');
    await page.locator(`[data-chip-id="${other.id}"]`).click();
    await waitForMap((s) => contains(s.bounds, other.bboxWgs84 as Bbox) && s.zoom > 11, `back at ${other.id}`);
    const box = (await page.getByTestId('map').boundingBox())!;
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await expect.poll(() => page.getByTestId('chip-popup').textContent(), { timeout: 10_000 }).toContain(other.id);
    await expect.poll(() => page.locator(`[data-chip-id="${other.id}"]`).getAttribute('aria-selected')).toBe('true');
    await page.screenshot({ path: join(screenshots, 'e2e-popup.png') });
  });

  it('raised no page errors (CSP, worker, WebGL)', () => {
    expect(pageErrors).toEqual([]);
  });

  it('rejects HTTP requests without the session token', async () => {
    const base = `http://127.0.0.1:${server.port}/`;
    expect((await fetch(base)).status).toBe(401);
    expect((await fetch(`${base}?token=${'0'.repeat(server.token.length)}`)).status).toBe(401);
    expect((await fetch(server.url)).status).toBe(200);
  });

  it('refuses a WebSocket from another Origin, and one without the token', async () => {
    const attempt = (url: string, origin: string) =>
      new Promise<number | 'open'>((resolve) => {
        const socket = new WebSocket(url, { origin });
        socket.on('open', () => {
          socket.close();
          resolve('open');
        });
        socket.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
        socket.on('error', () => resolve(0));
      });
    const good = `ws://127.0.0.1:${server.port}/ws?token=${server.token}`;
    const origin = `http://127.0.0.1:${server.port}`;
    expect(await attempt(good, 'http://evil.example')).not.toBe('open');
    expect(await attempt(`ws://127.0.0.1:${server.port}/ws`, origin)).not.toBe('open');
    expect(await attempt(good, origin)).toBe('open');
  });
});
