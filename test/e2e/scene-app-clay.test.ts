/**
 * Issue 9's "every model from the app", in real Chromium at 1280×720 against the in-process server: a Clay v1.5
 * decoder run and a linear-probe run (seeded heads on the real tiny Clay v1.5 checkpoint: no training) and an
 * Otsu baseline run predict
 * an odd-sized mosaic of real Sen1Floods11 chips (533×301, as the scratch scene e2e; the CLI tests and the bench
 * cover larger ones) from the Scene panel, with the acquisition date typed in the panel. The decoder's mask is the
 * one `floodlens predict --scene … --date …` (the CLI's entry, 1 worker against the app's 2) writes
 * for the same run, scene and date: GDAL reads both and compares every pixel; the km² shown is that summary's.
 * The map draws it from the COG; the probability layer's legend shows the ramp the engine colours tiles with.
 * Screenshot: test-results/scene-clay-probabilities-1280x720.png.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo, missingForE2e, screenshots, startAppSession, type AppSession } from './app-browser.ts';
import { PROBABILITY_RAMP } from '../../src-main/api/runs.ts';
import { runCli } from '../../src-main/cli/main.ts';
import { SceneSummarySchema, type SceneSummaryRecord } from '../../src-main/api/scene.ts';
import { runPythonJson } from '../helpers/python-reference.ts';
import { hasShared, sharedFixture } from '../helpers/shared.ts';
import { buildChipMosaic } from '../helpers/scene-mosaic.ts';
import { writeOtsuRun, writeSeededHeadRun } from '../helpers/seeded-run.ts';

const missing = [...missingForE2e(), ...(hasShared ? [] : ['../shared'])];
if (missing.length > 0) console.warn(`[skipped] e2e Clay scene: missing ${missing.join(', ')}`);

const DECODER_ID = '20260101-000000-clay-decoder-seeded';
const PROBE_ID = '20260101-000001-linear-probe-seeded';
const OTSU_ID = '20260101-000002-otsu-vh';
/** The Ghana chips' event date (../shared/data/README.md); the mosaic's files carry none. */
const DATE = '2018-09-18';

/** Pixels of two masks as GDAL reads them: how many differ, and the water pixels of the first. */
function compareMasks(a: string, b: string): { differing: number; water: number; land: number; size: number[] } {
  return runPythonJson(
    `import json, sys
from osgeo import gdal
a = gdal.Open(sys.argv[1]).ReadAsArray(); b = gdal.Open(sys.argv[2]).ReadAsArray()
print(json.dumps({"differing": int((a != b).sum()), "water": int((a == 1).sum()), "land": int((a == 0).sum()), "size": list(a.shape)}))`,
    [a, b],
  );
}

describe.skipIf(missing.length > 0)('Clay heads predict a scene in the app (server mode, 1280×720)', () => {
  let app: AppSession;
  let page: Page;
  let scene: string;
  let cli: Promise<SceneSummaryRecord>;
  const pageErrors: string[] = [];
  let tileReplies = 0;
  const panel = () => page.getByTestId('scene-panel');

  /** Picks `runId` in the panel, predicts and waits for the end; returns the summary beside the mask the panel names. */
  async function predictFromPanel(runId: string, probabilities: boolean): Promise<SceneSummaryRecord> {
    await page.getByTestId('scene-run').selectOption(runId);
    if ((await page.getByTestId('scene-date').count()) > 0) await page.getByTestId('scene-date').fill(DATE); // Clay heads only
    await page.getByTestId('scene-probabilities').setChecked(probabilities);
    await page.getByTestId('scene-predict').click();
    await expect.poll(() => panel().getAttribute('data-status'), { timeout: 10_000 }).toBe('running');
    await expect.poll(() => panel().getAttribute('data-status'), { timeout: 200_000, interval: 250 }).toMatch(/done|failed|cancelled/);
    expect(await panel().getAttribute('data-status'), (await panel().textContent()) ?? '').toBe('done');
    const maskPath = (await panel().locator('[data-testid="scene-summary"] code').first().textContent())!;
    expect(maskPath.startsWith(join(app.workspaceDir, 'scenes'))).toBe(true);
    const summary = SceneSummarySchema.parse(JSON.parse(readFileSync(maskPath.replace(/_mask\.tif$/, '_summary.json'), 'utf8')));
    expect(summary.run).toMatchObject({ id: runId });
    const km2 = Number((await page.getByTestId('scene-km2').textContent())!.replace(/[^0-9.]/g, ''));
    expect(km2).toBeCloseTo(summary.waterAreaKm2, summary.waterAreaKm2 < 1 ? 3 : 1);
    return summary;
  }

  /** Two seeded Clay v1.5 heads in the workspace, the mosaic beside it, and the CLI started on the decoder. */
  async function prepare(workspaceDir: string): Promise<void> {
    const encoder = sharedFixture('clay-v1.5', 'clay-v1.5-tiny.ckpt');
    // Seeded heads give probabilities in a narrow band (decoder ≈ 0.36…0.41, probe ≈ 0.50…0.64 on this mosaic):
    // thresholds inside them make masks with both water and land.
    const head = { encoder, version: 'v1.5', channels: 64, patch: 8 } as const;
    const decoderDir = await writeSeededHeadRun(join(workspaceDir, 'runs', DECODER_ID), { ...head, kind: 'clay-decoder', threshold: 0.4 });
    await writeSeededHeadRun(join(workspaceDir, 'runs', PROBE_ID), { ...head, kind: 'linear-probe', threshold: 0.6 });
    writeOtsuRun(join(workspaceDir, 'runs', OTSU_ID), 'VH');
    const dataDir = join(workspaceDir, '..', 'data');
    mkdirSync(dataDir);
    scene = join(dataDir, 'mosaic.tif');
    buildChipMosaic(scene, { width: 533, height: 301 });
    // The CLI's product for the same run, scene and date (`floodlens predict --scene`), made meanwhile.
    const cliOut = join(workspaceDir, '..', 'cli');
    let cliErrors = '';
    const cliIo = { stdout: () => undefined, stderr: (text: string) => (cliErrors += text) };
    const args = ['predict', '--run', decoderDir, '--scene', scene, '--date', DATE, '--workers', '1', '--out', cliOut];
    cli = runCli(args, cliIo).then((code) => {
      if (code !== 0) throw new Error(`floodlens ${args.join(' ')} exited ${code}: ${cliErrors}`);
      return SceneSummarySchema.parse(JSON.parse(readFileSync(join(cliOut, 'mosaic_summary.json'), 'utf8')));
    });
    cli.catch(() => undefined); // awaited (and reported) by the test
  }

  beforeAll(async () => {
    app = await startAppSession(
      'scene-clay',
      {
        viewport: { width: 1280, height: 720 },
        prepare,
        // Server mode: reads confined to the data folder, the demo and the workspace.
        readRoots: (temp) => [join(temp, 'data'), demo, join(temp, 'workspace')],
        // The map's tile replies (`scene.tile` over the WebSocket), counted from the first page load.
        beforeLoad: (opened) =>
          opened.on('websocket', (socket) =>
            socket.on('framereceived', ({ payload }) => {
              if (String(payload).includes('"pngBase64"')) tileReplies++;
            }),
          ),
      },
      pageErrors,
    );
    page = app.page;
    await page.getByTestId('tab-scene').click();
    await page.getByTestId('scene-path').fill(scene);
  }, 240_000);

  afterAll(async () => {
    await app?.close();
    await cli?.catch(() => undefined);
  });

  it('offers both Clay runs, and the date field only for them', async () => {
    const options = await page.locator('[data-testid="scene-run"] option').allTextContents();
    expect(options).toEqual(expect.arrayContaining([`${DECODER_ID} · clay-decoder`, `${PROBE_ID} · linear-probe`]));
    await page.getByTestId('scene-run').selectOption(PROBE_ID);
    await expect.poll(() => page.getByTestId('scene-date').count()).toBe(1);
  });

  it('clay-decoder: the mask the CLI writes, on the map, km² shown; the probability layer has its colour ramp', async () => {
    const summary = await predictFromPanel(DECODER_ID, true);
    expect(summary).toMatchObject({ width: 533, height: 301, window: 768, run: { model: 'clay-decoder', threshold: 0.4 } });

    const fromCli = await cli;
    expect(fromCli.workers).toBe(1);
    expect(summary.workers).toBeGreaterThanOrEqual(1);
    const masks = compareMasks(summary.files.mask, fromCli.files.mask);
    expect(masks).toMatchObject({ differing: 0, size: [301, 533], water: summary.waterPixels });
    expect(masks.water).toBeGreaterThan(0);
    expect(masks.land).toBeGreaterThan(0);
    expect(summary.waterAreaKm2).toBe(fromCli.waterAreaKm2);

    // On the map: the mask layer, its legend, tiles from the COG.
    await expect.poll(() => page.getByTestId('map').getAttribute('data-visible-layers'), { timeout: 20_000 }).toContain('scene-mask');
    await expect.poll(() => tileReplies, { timeout: 20_000 }).toBeGreaterThan(0);
    const legend = page.locator('[data-testid="legend-entry"][data-layer="scene-mask"]');
    await expect.poll(() => legend.textContent()).toContain('Scene mask');
    expect(await legend.getByTestId('legend-ramp').count()).toBe(0);

    // The probability layer: its legend is a colour bar of the engine's ramp, stop for stop, with the mask threshold marked.
    await page.getByTestId('scene-layer-probabilities').check();
    await expect.poll(() => legend.textContent()).toContain('Scene water probability');
    const ramp = legend.getByTestId('legend-ramp');
    const gradient = await ramp.locator('.bar').evaluate((bar) => getComputedStyle(bar).backgroundImage);
    const stops = [...gradient.matchAll(/rgb\((\d+), (\d+), (\d+)\)/g)].map((m) => m.slice(1).map(Number));
    expect(stops).toEqual(PROBABILITY_RAMP.map((rgb) => [...rgb]));
    expect(await ramp.locator('.ticks span').allTextContents()).toEqual(['0', '0.5', '1']);
    const mark = await ramp.locator('.mark').evaluate((m) => (m as HTMLElement).style.left);
    expect(mark).toBe('40%'); // the threshold's place on the 0…1 bar
    expect(await ramp.textContent()).toContain('water above 0.4');
    await page.waitForTimeout(1000);
    await page.screenshot({ path: join(screenshots, 'scene-clay-probabilities-1280x720.png') });
  }, 300_000);

  it('linear-probe: predicts the same scene from the panel; mask with water and land, km² shown', async () => {
    const summary = await predictFromPanel(PROBE_ID, false);
    expect(summary).toMatchObject({ width: 533, height: 301, run: { model: 'linear-probe', threshold: 0.6 } });
    const masks = compareMasks(summary.files.mask, summary.files.mask);
    expect(masks.water).toBe(summary.waterPixels);
    expect(masks.water).toBeGreaterThan(0);
    expect(masks.land).toBeGreaterThan(0);
    await expect.poll(() => page.locator('[data-testid="legend-entry"][data-layer="scene-mask"]').textContent()).toContain('Scene mask');
  }, 300_000);

  it('otsu: one threshold over the whole scene, no date field; mask with water and land, km² shown', async () => {
    await page.getByTestId('scene-run').selectOption(OTSU_ID);
    await expect.poll(() => page.getByTestId('scene-date').count()).toBe(0);
    const summary = await predictFromPanel(OTSU_ID, false);
    expect(summary).toMatchObject({ width: 533, height: 301, run: { model: 'otsu' } });
    expect(summary.run.otsuThresholdDb).toBeLessThan(0);
    const masks = compareMasks(summary.files.mask, summary.files.mask);
    expect(masks.water).toBe(summary.waterPixels);
    expect(masks.water).toBeGreaterThan(0);
    expect(masks.land).toBeGreaterThan(0);
    expect(pageErrors).toEqual([]);
  }, 300_000);
});
