/**
 * The analyst's workbench (issue 14) in real Chromium at 1280×720 against the in-process server and the real
 * engine, with two Otsu baseline runs (real runs that fit nothing, so no training time): state that follows the
 * open dataset, a legend for every layer in distinct colours, the threshold slider re-scoring the chip, the pixel
 * readout and radar stretch, print to PNG with its legend, comparison on all labelled chips, exporting every
 * chip's mask and asking before overwriting. Screenshots at 1280×720 and 1920×1080 go to test-results/.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo, missingForE2e, openComparison, screenshots, startAppSession, waitForValue, type AppSession } from './app-browser.ts';
import { LABEL_COLOURS, rgbHex } from '../../src-main/api/preview.ts';
import { DISAGREEMENT_COLOURS, ERROR_COLOURS, RUN_MASK_COLOURS } from '../../src-main/api/runs.ts';
import { runJob } from '../../src-main/engine/jobs/worker-host.ts';

const missing = missingForE2e();
if (missing.length > 0) console.warn(`[skipped] e2e workbench: missing ${missing.join(', ')}`);

const RUNS = ['20260101-000000-otsu-00vh', '20260101-000001-otsu-00vv'];

describe.skipIf(missing.length > 0)('the analyst workbench at 1280×720 (server mode)', () => {
  let app: AppSession;
  let page: Page;
  let temp: string;
  const pageErrors: string[] = [];

  const mapAttribute = async (name: string) => (await page.getByTestId('map').getAttribute(name)) ?? '';
  const waitFor = <T>(read: () => Promise<T>, check: (value: T) => boolean, what: string, timeoutMs?: number) =>
    waitForValue(page, read, check, what, timeoutMs);
  async function openDataset(dir: string): Promise<void> {
    await page.getByTestId('tab-dataset').click();
    await page.getByTestId('dataset-panel').getByLabel('Dataset folder').fill(dir);
    await page.getByTestId('dataset-panel').getByRole('button', { name: 'Open' }).click();
  }
  async function openReadyDataset(dir: string): Promise<void> {
    await openDataset(dir);
    await waitFor(
      () => page.getByTestId('dataset-panel').getAttribute('data-status'),
      (s) => s === 'ready',
      `the dataset ${dir}`,
    );
  }
  /** The current state as `<prefix>-1280-<state>.png` and `<prefix>-1920-<state>.png`, back at 1280×720 after. */
  async function screenshotAtBothSizes(prefix: string, state: string): Promise<void> {
    await page.screenshot({ path: join(screenshots, `${prefix}-1280-${state}.png`) });
    await page.setViewportSize({ width: 1920, height: 1080 });
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(screenshots, `${prefix}-1920-${state}.png`) });
    await page.setViewportSize({ width: 1280, height: 720 });
  }
  const iouOf = async (runId: string) =>
    Number(
      await page.locator(`[data-testid="run-layers"][data-run-id="${runId}"] [data-testid="run-chip-metrics"]`).getAttribute('data-iou'),
    );

  beforeAll(async () => {
    // Two Otsu baselines (VH and VV) on the demo: real runs, recorded like any other, in seconds.
    const prepare = async (workspaceDir: string) => {
      for (const [i, runId] of RUNS.entries()) {
        await runJob('train', {
          outDir: join(workspaceDir, 'runs', runId),
          config: { model: 'otsu', dataDir: demo, otsuBand: i === 0 ? 'VH' : 'VV' },
        });
      }
    };
    app = await startAppSession('workbench', { viewport: { width: 1280, height: 720 }, prepare }, pageErrors);
    ({ page, temp } = app);
  }, 240_000);

  afterAll(async () => {
    await app?.close();
  });

  it('keeps most of the window for the map at 1280×720, with the export bar on screen', async () => {
    const map = (await page.getByTestId('map').boundingBox())!;
    expect(map.height).toBeGreaterThan(720 * 0.6);
    expect(map.width).toBeGreaterThan(1280 * 0.45);
    const exportBar = (await page.getByTestId('export-bar').boundingBox())!;
    expect(exportBar.y + exportBar.height).toBeLessThanOrEqual(720);
    // Both side panels fold away, giving the map the whole width.
    await page.getByTestId('toggle-left').click();
    await page.getByTestId('toggle-right').click();
    await expect.poll(async () => (await page.getByTestId('map').boundingBox())!.width).toBeGreaterThan(1250);
    await page.screenshot({ path: join(screenshots, 'e2e-workbench-1280-panels-folded.png') });
    await page.getByTestId('toggle-left').click();
    await page.getByTestId('toggle-right').click();
  });

  it('maps runs A and B with a legend for every layer, all in distinct colours', { timeout: 200_000 }, async () => {
    await page.getByTestId('tab-runs').click();
    for (const runId of RUNS) await page.locator(`[data-testid="run-card"][data-run-id="${runId}"] [data-testid="run-select"]`).check();
    const chipId = 'Spain_7370579';
    await page.getByTestId('tab-dataset').click();
    await page.locator(`[data-testid="chip-row"][data-chip-id="${chipId}"]`).click();
    await waitFor(
      () => mapAttribute('data-quicklooks'),
      (q) => 'run-a-mask' in JSON.parse(q || '{}') && 'run-b-mask' in JSON.parse(q || '{}'),
      'masks A and B',
      150_000,
    );
    await page.getByTestId('layer-toggle-label').check();
    await page.getByTestId('layer-toggle-a-error').check();
    await page.getByTestId('layer-toggle-run-disagreement').check();
    await waitFor(
      () => mapAttribute('data-visible-layers'),
      (v) => ['run-a-error', 'run-ab-disagreement'].every((l) => v.split(' ').includes(l)),
      'error map and disagreement drawn',
    );
    const legend = page.getByTestId('map-legend');
    const layers = await legend.getByTestId('legend-entry').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-layer')));
    expect(layers).toEqual(expect.arrayContaining(['disagreement', 'a-error', 'a-mask', 'b-mask', 'label', 's1', 'footprints']));
    const swatches = await legend.locator('.swatch').evaluateAll((nodes) => nodes.map((n) => getComputedStyle(n).backgroundColor));
    const rgb = (c: readonly number[]) => `rgb(${c.join(', ')})`;
    const thematic = [
      LABEL_COLOURS.water,
      RUN_MASK_COLOURS.a,
      RUN_MASK_COLOURS.b,
      ...Object.values(ERROR_COLOURS),
      ...Object.values(DISAGREEMENT_COLOURS),
    ].map(rgb);
    expect(new Set(thematic).size).toBe(thematic.length); // no colour used twice
    for (const colour of thematic) expect(swatches, colour).toContain(colour);
    expect(rgbHex(LABEL_COLOURS.water)).toBe('#0072b2');
    await page.screenshot({ path: join(screenshots, 'e2e-workbench-1280-layers.png') });
  });

  it('re-scores the chip and redraws the mask live when the threshold moves', async () => {
    const before = await iouOf(RUNS[0]);
    const quicklooksBefore = await mapAttribute('data-quicklooks');
    await page.getByTestId('threshold-slider').fill('0.2');
    await expect.poll(() => page.getByTestId('threshold-value').textContent()).toBe('0.20');
    await expect.poll(() => iouOf(RUNS[0])).not.toBe(before);
    expect(
      await page
        .locator(`[data-testid="run-layers"][data-run-id="${RUNS[0]}"] [data-testid="run-chip-metrics"]`)
        .getAttribute('data-threshold'),
    ).toBe('0.2');
    expect(await mapAttribute('data-quicklooks')).toBe(quicklooksBefore); // same place, new pixels
    await page.getByTestId('threshold-slider').fill('0.5');
    await expect.poll(() => iouOf(RUNS[0])).toBeCloseTo(before, 3);
  });

  it('reads VV/VH, the label and each run under the cursor, and stretches the radar image', async () => {
    const map = (await page.getByTestId('map').boundingBox())!;
    await page.mouse.move(map.x + map.width / 2, map.y + map.height / 2);
    const readout = page.getByTestId('pixel-readout');
    await expect.poll(() => readout.textContent()).toMatch(/VV -?\d+\.\d\d dB · VH -?\d+\.\d\d dB/);
    expect(await readout.getByTestId('readout-run').count()).toBe(2);
    expect(await readout.getByTestId('readout-run').first().textContent()).toMatch(/p = \d\.\d{3} → (water|not water)/);
    await page.getByTestId('layer-toggle-s1').check();
    await page.getByTestId('s1-histogram').waitFor();
    await page.getByTestId('stretch-vv-min').fill('-20');
    await expect.poll(() => page.getByTestId('map-legend').textContent()).toContain('red VV -20…0 dB');
    await page.screenshot({ path: join(screenshots, 'e2e-workbench-1280-readout.png') });
  });

  it('prints the map view as a PNG with title, legend, scale and metrics', async () => {
    const download = page.waitForEvent('download');
    await page.getByTestId('print-map').click();
    const file = join(screenshots, 'e2e-workbench-print.png');
    await (await download).saveAs(file);
    const png = readFileSync(file);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    const printed = JSON.parse((await page.getByTestId('print-map').getAttribute('data-print'))!) as {
      width: number;
      height: number;
      swatches: { x: number; y: number; colour: string }[];
    };
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([printed.width, printed.height]);
    // The legend is really painted: every swatch of the printed page has its layer's colour.
    const colours = await page.evaluate(
      async ({ base64, points }) => {
        const bitmap = await createImageBitmap(new Blob([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], { type: 'image/png' }));
        const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
        const g = canvas.getContext('2d')!;
        g.drawImage(bitmap, 0, 0);
        return points.map(
          (p) => '#' + [...g.getImageData(p.x, p.y, 1, 1).data.slice(0, 3)].map((v) => v.toString(16).padStart(2, '0')).join(''),
        );
      },
      { base64: png.toString('base64'), points: printed.swatches },
    );
    expect(printed.swatches.length).toBeGreaterThanOrEqual(10);
    expect(colours).toEqual(printed.swatches.map((s) => s.colour.toLowerCase()));
  });

  it(
    'compares the Otsu baselines on all labelled chips and exports every mask, asking before overwriting',
    { timeout: 180_000 },
    async () => {
      await page.getByTestId('compare-chipset-choice').selectOption('labelled');
      await page.getByTestId('compare-button').click();
      await waitFor(
        () => page.getByTestId('comparison-panel').getAttribute('data-status'),
        (s) => s === 'ready',
        'the comparison',
        150_000,
      );
      await page.getByTestId('comparison-fold').click();
      const labelled = await page.getByTestId('chip-row').count();
      await expect.poll(() => page.getByTestId('compare-chipset').textContent()).toContain(`${labelled} chips (chosen chips)`);
      const headers = await page.getByTestId('metric-table').locator('thead th').allTextContents();
      expect(headers.filter((h) => h.includes('otsu'))).toHaveLength(2);
      // km² of predicted water per chip and run (true pixel areas from the engine), A − B beside them.
      const areas = await page.getByTestId('chip-km2').allTextContents();
      expect(areas).toHaveLength(labelled * 2);
      for (const value of areas) expect(value).toMatch(/^\d+\.\d{3}$/);
      await screenshotAtBothSizes('e2e-workbench', 'compare');
      await page.getByTestId('comparison-fold').click();

      // Every chip's mask of run A at once (run B unticked to keep the test short), then again: it asks first.
      await page.getByTestId('tab-runs').click();
      await page.locator(`[data-testid="run-card"][data-run-id="${RUNS[1]}"] [data-testid="run-select"]`).uncheck();
      await page.getByTestId('export-chips').selectOption({ label: `all chips of this dataset (${labelled})` });
      await page.getByTestId('export-masks').click();
      await waitFor(
        () => page.getByTestId('exported-file').count(),
        (n) => n === labelled,
        'every mask written',
        150_000,
      );
      await page.getByTestId('export-masks').click();
      await page.getByTestId('export-overwrite').waitFor({ timeout: 30_000 });
      expect(await page.getByTestId('export-overwrite').textContent()).toContain(`${labelled} masks already in`);
      await page.screenshot({ path: join(screenshots, 'e2e-workbench-1280-overwrite.png') });
      await page.getByTestId('export-overwrite-yes').click();
      await waitFor(
        () => page.getByTestId('exported-file').count(),
        (n) => n === labelled,
        'every mask rewritten',
        150_000,
      );
    },
  );

  it('leaves nothing of the old dataset behind when another folder opens', { timeout: 60_000 }, async () => {
    const boundsBefore = await mapAttribute('data-bounds');
    await page.getByTestId('side-by-side-toggle').check();
    const other = join(demo, 'sen1floods11');
    await openReadyDataset(other);
    expect(await page.getByTestId('comparison-panel').getAttribute('data-status')).toBe('idle');
    expect(await page.getByTestId('export-bar').getAttribute('data-status')).toBe('idle');
    // The chips to export name a set of this folder (the old selected chip is gone), shown as it will be exported.
    const exportChoice = await page.getByTestId('export-chips').evaluate((s: HTMLSelectElement) => s.selectedOptions[0]?.textContent ?? '');
    expect(exportChoice).toBe(`all chips of this dataset (${await page.getByTestId('chip-row').count()})`);
    expect(await page.getByTestId('side-by-side').count()).toBe(0);
    expect(await page.getByTestId('pixel-readout').count()).toBe(0);
    await page.getByTestId('tab-train').click();
    await expect.poll(() => page.getByTestId('train-data-dir').inputValue()).toBe(other);
    await waitFor(
      () => mapAttribute('data-bounds'),
      (b) => b !== boundsBefore,
      'the map to move to the new chips',
    );
    // Runs trained on the demo say so on these chips.
    await page.getByTestId('tab-runs').click();
    await expect.poll(() => page.getByTestId('run-foreign').count()).toBe(2);
    await page.screenshot({ path: join(screenshots, 'e2e-workbench-1280-switched.png') });
    await page.setViewportSize({ width: 1920, height: 1080 });
    await page.getByTestId('tab-dataset').click();
    await page.screenshot({ path: join(screenshots, 'e2e-workbench-1920-switched.png') });
    await page.setViewportSize({ width: 1280, height: 720 });
    // A folder that does not exist says so.
    await openDataset(join(temp, 'no-such-folder'));
    await expect.poll(() => page.getByTestId('dataset-panel').textContent()).toContain('does not exist');
    expect(pageErrors).toEqual([]);
  });

  it(
    "walks the newcomer's path on the other folder: scratch vs Otsu trained from the Train tab, compared on all labelled chips, read, re-thresholded, printed, every mask exported",
    { timeout: 480_000 },
    async () => {
      const other = join(demo, 'sen1floods11');
      await openReadyDataset(other);
      const labelled = await page.getByTestId('chip-row').count();
      // Only the runs trained here are compared and mapped (the demo's baselines stay listed, marked foreign).
      await page.getByTestId('tab-runs').click();
      for (const box of await page.getByTestId('run-select').all()) await box.uncheck();
      const progress = page.getByTestId('train-progress');
      async function train(model: 'scratch' | 'otsu'): Promise<string> {
        await page.getByTestId('tab-train').click();
        await expect.poll(() => page.getByTestId('train-data-dir').inputValue()).toBe(other);
        await page.getByTestId('train-model').selectOption(model);
        if (model === 'scratch') {
          await page.getByTestId('train-epochs').fill('1');
          await page.getByTestId('train-batch').fill('2');
          await page.getByTestId('train-full-chips').uncheck();
          await page.getByTestId('train-chip-size').fill('64');
          await page.getByTestId('train-seed').fill('0');
        }
        const previous = (await progress.count()) > 0 ? await progress.getAttribute('data-run-id') : null;
        await page.getByTestId('train-start').click();
        const runId = (await waitFor(
          () => progress.getAttribute('data-run-id'),
          (id) => !!id && id !== previous && id.includes(`-${model}-`),
          `the ${model} run`,
        ))!;
        await waitFor(
          () => progress.getAttribute('data-status'),
          (s) => s === 'completed' || s === 'failed',
          `the ${model} run to finish`,
          300_000,
        );
        expect(await progress.getAttribute('data-status')).toBe('completed');
        return runId;
      }
      // All labelled chips chosen first: the comparison that follows each finished run scores on them (the scratch
      // run is scored once, not on its test split and then again).
      await page.getByTestId('compare-chipset-choice').selectOption('labelled');
      const otsu = await train('otsu'); // run A
      const scratch = await train('scratch'); // run B
      await page.screenshot({ path: join(screenshots, 'e2e-newcomer-1280-trained.png') });
      await page.getByTestId('tab-runs').click();
      for (const runId of [scratch, otsu]) {
        const card = page.locator(`[data-testid="run-card"][data-run-id="${runId}"]`);
        expect(await card.getByTestId('run-select').isChecked()).toBe(true);
        expect(await card.getByTestId('run-foreign').count()).toBe(0); // trained on the open folder: nothing stale
      }
      await openComparison(page);
      await waitFor(
        () => page.getByTestId('metric-cell').evaluateAll((nodes) => [...new Set(nodes.map((n) => n.getAttribute('data-run-id')))]),
        (ids) => ids.length === 2 && ids.includes(otsu) && ids.includes(scratch),
        'the comparison of Otsu and scratch',
        300_000,
      );
      expect(await page.getByTestId('comparison-panel').getAttribute('data-status')).toBe('ready');
      await expect.poll(() => page.getByTestId('compare-chipset').textContent()).toContain(`${labelled} chips`);
      expect(await page.getByTestId('chip-km2').count()).toBe(labelled * 2);
      await screenshotAtBothSizes('e2e-newcomer', 'compare');
      await page.getByTestId('comparison-fold').click();

      // Pixel values of both runs under the cursor, on a chip.
      await page.getByTestId('tab-dataset').click();
      await page.locator('[data-testid="chip-row"][data-chip-id="Spain_7370579"]').click();
      await waitFor(
        () => mapAttribute('data-quicklooks'),
        (q) => 'run-a-mask' in JSON.parse(q || '{}') && 'run-b-mask' in JSON.parse(q || '{}'),
        'the scratch (A) and Otsu (B) masks',
        150_000,
      );
      const map = (await page.getByTestId('map').boundingBox())!;
      await page.mouse.move(map.x + map.width / 2, map.y + map.height / 2);
      const readout = page.getByTestId('pixel-readout');
      await expect.poll(() => readout.getByTestId('readout-run').count()).toBe(2);
      expect(await readout.textContent()).toMatch(/VV -?\d+\.\d\d dB · VH -?\d+\.\d\d dB/);
      for (const line of await readout.getByTestId('readout-run').allTextContents())
        expect(line).toMatch(/p = \d\.\d{3} → (water|not water)/);
      await screenshotAtBothSizes('e2e-newcomer', 'readout');

      // The threshold re-scores the scratch run's chip metrics (a net's probabilities spread; some threshold moves IoU).
      const at = async (threshold: string) => {
        await page.getByTestId('threshold-slider').fill(threshold);
        await expect
          .poll(() =>
            page
              .locator(`[data-testid="run-layers"][data-run-id="${scratch}"] [data-testid="run-chip-metrics"]`)
              .getAttribute('data-threshold'),
          )
          .toBe(String(Number(threshold)));
        return iouOf(scratch);
      };
      const ious = [await at('0.5'), await at('0.1'), await at('0.9')];
      expect(new Set(ious).size, `IoU at 0.5, 0.1, 0.9: ${ious.join(', ')}`).toBeGreaterThan(1);
      await at('0.5');

      // Print: a PNG page whose legend carries both runs' mask colours.
      const download = page.waitForEvent('download');
      await page.getByTestId('print-map').click();
      const file = join(screenshots, 'e2e-newcomer-print.png');
      await (await download).saveAs(file);
      expect(readFileSync(file).subarray(1, 4).toString()).toBe('PNG');
      const printed = JSON.parse((await page.getByTestId('print-map').getAttribute('data-print'))!) as { swatches: { colour: string }[] };
      const printedColours = printed.swatches.map((s) => s.colour.toLowerCase());
      for (const colour of [RUN_MASK_COLOURS.a, RUN_MASK_COLOURS.b]) expect(printedColours).toContain(rgbHex(colour).toLowerCase());

      // Every mask of both runs on every chip of this folder.
      await page.getByTestId('export-chips').selectOption({ label: `all chips of this dataset (${labelled})` });
      await page.getByTestId('export-masks').click();
      await waitFor(
        () => page.getByTestId('exported-file').count(),
        (n) => n === labelled * 2,
        'every mask of both runs written',
        200_000,
      );
      await page.screenshot({ path: join(screenshots, 'e2e-newcomer-1280-exported.png') });
      expect(pageErrors).toEqual([]);
    },
  );
});
