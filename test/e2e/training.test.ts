/**
 * Training, comparison, prediction layers and export from the UI, in real Chromium against the in-process
 * server and the real engine (worker threads, tfjs wasm) on the demo chips: a tiny scratch run trained from
 * the Train tab, its metrics table equal to what `evaluate` computes, the error map on the map exactly over
 * the chip, and one mask exported (server mode, --export-dir) and read back with GDAL.
 * Screenshots go to test-results/ (look at them).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo, missingForE2e, openComparison, screenshots, startAppSession, waitForValue, type AppSession } from './app-browser.ts';
import type { ChipInfo } from '../../src-main/api/dataset.ts';
import type { EvaluationRecord, RunRecord } from '../../src-main/api/run.ts';
import { COMPARED_SCORES } from './scores.ts';
import { inspectDataset } from '../../src-main/engine/dataset/inspect.ts';
import { readRunRecord } from '../../src-main/engine/run/run-record.ts';
import { runJob } from '../../src-main/engine/jobs/worker-host.ts';
import { chipGridOf } from '../../src-main/engine/preview/chip-preview.ts';
import { chipFootprint } from '../../src-main/engine/preview/footprint.ts';
import { has } from '../helpers/references.ts';

const gdalinfo = has('gdal');
const missing = [...missingForE2e(), !gdalinfo && 'gdalinfo (gdal-bin)'].filter(Boolean);
if (missing.length > 0) console.warn(`[skipped] e2e training: missing ${missing.join(', ')}`);

interface GdalInfo {
  size: [number, number];
  geoTransform: number[];
  coordinateSystem: { wkt: string };
  bands: { type: string; noDataValue?: number }[];
}
/** What the progress card showed at one moment (recorded in the page by a MutationObserver). */
interface ProgressSeen {
  phase: string;
  header: string;
  active: boolean;
  bar: number;
  validationStage: boolean;
  validationBar: string | null;
  text: string;
}
const gdal = (file: string) => JSON.parse(execFileSync('gdalinfo', ['-json', file], { encoding: 'utf8' })) as GdalInfo;

describe.skipIf(missing.length > 0)('training, comparison and export from the UI (server mode)', () => {
  let app: AppSession;
  let page: Page;
  let chips: ChipInfo[];
  let workspaceDir: string;
  let exportDir: string;
  let runId: string;
  let record: RunRecord;
  let testChip: ChipInfo;
  const pageErrors: string[] = [];

  const mapAttribute = async (name: string) => (await page.getByTestId('map').getAttribute(name)) ?? '';
  const waitFor = <T>(read: () => Promise<T>, check: (value: T) => boolean, what: string, timeoutMs?: number) =>
    waitForValue(page, read, check, what, timeoutMs);

  beforeAll(async () => {
    chips = (await inspectDataset(demo)).chips;
    app = await startAppSession('train', { viewport: { width: 1500, height: 950 } }, pageErrors);
    ({ page, workspaceDir, exportDir } = app);
  }, 240_000);

  afterAll(async () => {
    await app?.close();
  });

  it('shows designed empty states before any run exists', async () => {
    await page.getByTestId('tab-runs').click();
    await expect.poll(() => page.getByTestId('runs-panel').textContent()).toContain('No runs yet');
    await openComparison(page);
    await expect.poll(() => page.getByTestId('comparison-panel').textContent()).toContain('Train a run first');
  });

  it('trains a tiny scratch run from the Train tab, with live progress and curves', { timeout: 600_000 }, async () => {
    await page.getByTestId('tab-train').click();
    await expect.poll(() => page.getByTestId('train-data-dir').inputValue()).toBe(demo);
    await page.getByTestId('train-model').selectOption('scratch');
    await page.getByTestId('train-epochs').fill('1');
    await page.getByTestId('train-batch').fill('2');
    await page.getByTestId('train-full-chips').uncheck();
    await page.getByTestId('train-chip-size').fill('64');
    await page.getByTestId('train-seed').fill('0');
    await page.getByTestId('train-workers').fill('1');
    // Every state the progress card goes through, however briefly (a tiny run validates one chip in well under a second).
    await page.evaluate(() => {
      const seen: ProgressSeen[] = [];
      (window as unknown as { progressSeen: ProgressSeen[] }).progressSeen = seen;
      const panel = document.querySelector('[data-testid="training-panel"]')!;
      new MutationObserver(() => {
        const card = panel.querySelector('[data-testid="train-progress"]');
        if (!card) return;
        const entry = {
          phase: card.querySelector('[data-testid="train-phase"]')?.getAttribute('data-phase') ?? '',
          header: card.querySelector('[data-testid="train-phase"]')?.textContent?.trim() ?? '',
          active: card.getAttribute('data-active') === 'true',
          bar: Number(card.querySelector('[data-testid="train-progress-bar"]')?.getAttribute('aria-valuenow')),
          validationStage: card.querySelector('[data-testid="validation-stage"]') !== null,
          validationBar: card.querySelector('[data-testid="validation-bar"]')?.getAttribute('aria-valuenow') ?? null,
          text: (card.querySelector('.meta:not([data-testid])')?.textContent ?? '').replace(/\s+/g, ' ').trim(),
        };
        const last = seen[seen.length - 1];
        if (!last || JSON.stringify(last) !== JSON.stringify(entry)) seen.push(entry);
      }).observe(panel, { subtree: true, childList: true, characterData: true, attributes: true });
    });
    await page.getByTestId('train-start').click();

    const progress = page.getByTestId('train-progress');
    await progress.waitFor({ timeout: 30_000 });
    runId = (await progress.getAttribute('data-run-id'))!;
    expect(runId).toMatch(/-scratch-/);
    // Progress events arrive over the WebSocket: the bar moves before the run finishes.
    let maxProgress = 0;
    let sawStepLoss = false;
    let midScreenshot = false;
    const deadline = Date.now() + 540_000;
    for (;;) {
      const status = await progress.getAttribute('data-status');
      const active = await progress.getAttribute('data-active');
      maxProgress = Math.max(maxProgress, Number(await page.getByTestId('train-progress-bar').getAttribute('aria-valuenow')));
      sawStepLoss ||= Number(await page.getByTestId('loss-chart').getAttribute('data-points')) > 0;
      if (!midScreenshot && maxProgress > 0 && active === 'true') {
        await page.screenshot({ path: join(screenshots, 'e2e-train-progress.png') });
        midScreenshot = true;
      }
      if (active === 'false' && status !== 'running') break;
      if (Date.now() > deadline) throw new Error(`training did not finish in time (status ${status})`);
      await page.waitForTimeout(300);
    }
    expect(await progress.getAttribute('data-status')).toBe('completed');
    expect(maxProgress).toBeGreaterThan(0);
    expect(sawStepLoss).toBe(true);
    const seen = await page.evaluate(() => (window as unknown as { progressSeen: ProgressSeen[] }).progressSeen);
    const steps = seen.flatMap((s) => {
      const m = /epoch (\d+)\/\d+ · step (\d+)\/(\d+)/.exec(s.text);
      return s.phase === 'train' && m ? [{ ...s, epoch: Number(m[1]), step: Number(m[2]), steps: Number(m[3]) }] : [];
    });
    // A numeric ETA during the first epoch, estimated from its first steps (not "…" until the epoch ends).
    const early = steps.filter((s) => s.epoch === 1 && s.step < s.steps);
    expect(early.length, JSON.stringify(seen)).toBeGreaterThan(0);
    expect(
      early.some((s) => /ETA ≈ \d/.test(s.text)),
      JSON.stringify(early),
    ).toBe(true);
    // Validation is its own stage with its own bar; the training bar stays where training got to, not emptied.
    // (validation on fixed crops reports 'validate'; on whole chips, 'evaluate')
    const validating = seen.filter((s) => s.active && (s.phase === 'validate' || s.phase === 'evaluate'));
    expect(validating.length, JSON.stringify(seen)).toBeGreaterThan(0);
    for (const s of validating) {
      expect(s.validationStage).toBe(true);
      expect(s.header).toBe('validating');
      expect(s.text).toMatch(/validating epoch 1: chip \d+\/\d+/);
      expect(Number(s.validationBar)).toBeGreaterThan(0);
      expect(s.bar).toBe(steps[steps.length - 1].bar); // one epoch: where its last step left it, 100 %
    }
    await expect.poll(() => page.getByTestId('iou-chart').getAttribute('data-points')).toBe('1');
    record = await readRunRecord(join(workspaceDir, 'runs', runId));
    expect(record.status).toBe('completed');
    expect(record.config).toMatchObject({ model: 'scratch', epochs: 1, batchSize: 2, chipSize: 64, seed: 0, trainWorkers: 1 });
    expect(record.trainWorkers).toBe(1); // the default would be one per core (2 here, capped at the batch of 2)
    expect(await page.getByTestId('train-backend').textContent()).toContain(record.backend.name);
    await page.screenshot({ path: join(screenshots, 'e2e-train-done.png') });
  });

  it('fills the metrics table with exactly the numbers evaluate gives', { timeout: 300_000 }, async () => {
    // The finished run is ticked and compared on its test split automatically.
    await waitFor(
      () => page.getByTestId('comparison-panel').getAttribute('data-status'),
      (s) => s === 'ready',
      'the comparison',
      240_000,
    );
    await openComparison(page);
    const evaluation: EvaluationRecord = await runJob('evaluate', {
      runDir: join(workspaceDir, 'runs', runId),
      dataDir: demo,
      chips: 'test',
    });
    expect(evaluation.chips).toEqual(record.data.split.test);
    const cells = await page.getByTestId('metric-cell').evaluateAll((nodes) =>
      nodes.map((n) => ({
        run: n.getAttribute('data-run-id'),
        metric: n.getAttribute('data-metric'),
        aggregate: n.getAttribute('data-aggregate'),
        value: n.getAttribute('data-value'),
      })),
    );
    expect(cells).toHaveLength(COMPARED_SCORES.length * 2);
    for (const cell of cells) {
      const metric = cell.metric as (typeof COMPARED_SCORES)[number];
      const expected = cell.aggregate === 'global' ? evaluation.metrics[metric] : evaluation.perChipMean[metric];
      expect(cell.run).toBe(runId);
      expect(cell.value, `${cell.aggregate} ${metric}`).toBe(expected === null ? 'null' : String(expected));
    }
    expect(await page.getByTestId('per-chip-row').count()).toBe(evaluation.chips.length);
    await page.getByTestId('tab-runs').click();
    await expect.poll(() => page.locator(`[data-testid="run-card"][data-run-id="${runId}"]`).getAttribute('data-status')).toBe('completed');
    await page.screenshot({ path: join(screenshots, 'e2e-compare.png') });
  });

  it('draws the error map of the run exactly over the chip', { timeout: 180_000 }, async () => {
    testChip = chips.find((c) => c.id === record.data.split.test[0])!;
    await page.locator(`[data-testid="per-chip-row"][data-chip-id="${testChip.id}"]`).click();
    const footprint = chipFootprint(chipGridOf(testChip));
    const [west, south, east, north] = footprint.bbox;
    const corners = [
      [west, north],
      [east, north],
      [east, south],
      [west, south],
    ];
    // The predicted mask (on by default) arrives first; then the error map is switched on.
    const withMask = await waitFor(
      () => mapAttribute('data-quicklooks'),
      (q) => 'run-a-mask' in JSON.parse(q || '{}'),
      'the run mask layer',
      120_000,
    );
    expect(JSON.parse(withMask)['run-a-mask']).toEqual(corners);
    await page.getByTestId('layer-toggle-a-mask').uncheck();
    await page.getByTestId('layer-toggle-a-error').check();
    await waitFor(
      () => mapAttribute('data-visible-layers'),
      (v) => v.split(' ').includes('run-a-error') && !v.split(' ').includes('run-a-mask'),
      'error map visible, mask hidden',
    );
    const quicklooks = JSON.parse(await mapAttribute('data-quicklooks'));
    expect(quicklooks['run-a-error']).toEqual(corners);
    // Same Web Mercator grid as the chip image: the error map lies exactly on the imagery.
    const image = Object.keys(quicklooks).find((k) => k.startsWith('chip-preview-s'))!;
    expect(quicklooks['run-a-error']).toEqual(quicklooks[image]);
    await expect.poll(() => page.getByTestId('run-chip-metrics').textContent()).toContain('IoU');
    await page.getByTestId('layer-toggle-footprints').uncheck();
    await page.waitForTimeout(800);
    await page.screenshot({ path: join(screenshots, 'e2e-error-map.png') });
    await page.getByTestId('layer-toggle-footprints').check();
  });

  it('exports the mask into --export-dir with the source chip CRS and geotransform (gdalinfo)', { timeout: 180_000 }, async () => {
    await page.getByTestId('export-chips').selectOption({ index: 0 });
    await page.getByTestId('export-masks').click();
    const path = await waitFor(
      () => page.getByTestId('exported-file').first().getAttribute('data-path'),
      (p) => !!p,
      'the exported file',
      150_000,
    );
    expect(path).toBe(join(exportDir, runId, `${testChip.id}_mask.tif`));
    const mask = gdal(path!);
    const source = gdal(testChip.files[0]);
    expect(mask.size).toEqual(source.size);
    expect(mask.geoTransform).toEqual(source.geoTransform);
    expect(mask.coordinateSystem.wkt).toBe(source.coordinateSystem.wkt);
    expect(mask.bands[0].type).toBe('Byte');
    expect(mask.bands[0].noDataValue).toBe(255);
    await page.screenshot({ path: join(screenshots, 'e2e-export.png') });
  });

  it(
    'compares a second run side by side: best values marked, disagreement layer, two synchronised maps',
    { timeout: 400_000 },
    async () => {
      await page.getByTestId('tab-train').click();
      // The form kept the first run's settings across the tab switches; only the learning rate changes.
      expect(await page.getByTestId('train-epochs').inputValue()).toBe('1');
      expect(await page.getByTestId('train-chip-size').inputValue()).toBe('64');
      await page.getByTestId('train-lr').fill('0.01');
      await page.getByTestId('train-start').click();
      const progress = page.getByTestId('train-progress');
      const second = await waitFor(
        () => progress.getAttribute('data-run-id'),
        (id) => !!id && id !== runId,
        'the second run',
        30_000,
      );
      await waitFor(
        () => progress.getAttribute('data-status'),
        (s) => s === 'completed',
        'the second run to finish',
        300_000,
      );
      // Both runs ticked (A, B) and compared on the same test chips.
      await openComparison(page);
      await waitFor(
        () => page.getByTestId('metric-cell').evaluateAll((nodes) => [...new Set(nodes.map((n) => n.getAttribute('data-run-id')))]),
        (ids) => ids.length === 2 && ids.includes(second!) && ids.includes(runId),
        'a two-run comparison',
        240_000,
      );
      const rows = await page
        .getByTestId('metric-table')
        .locator('tbody tr')
        .evaluateAll((trs) =>
          trs.map((tr) =>
            [...tr.querySelectorAll('[data-testid="metric-cell"]')].map((td) => ({
              value: td.getAttribute('data-value'),
              best: td.classList.contains('best'),
            })),
          ),
        );
      for (const cells of rows.filter((r) => r.length === 2)) {
        const values = cells.map((c) => (c.value === 'null' ? null : Number(c.value)));
        if (values.includes(null)) continue;
        const top = Math.max(...(values as number[]));
        expect(cells.map((c) => c.best)).toEqual(values[0] === values[1] ? [true, true] : values.map((v) => v === top));
      }
      await page.getByTestId('layer-toggle-run-disagreement').check();
      await waitFor(
        () => mapAttribute('data-visible-layers'),
        (v) => v.split(' ').includes('run-ab-disagreement'),
        'the disagreement layer',
        120_000,
      );
      await page.screenshot({ path: join(screenshots, 'e2e-disagreement.png') });
      await page.getByTestId('side-by-side-toggle').check();
      await page.getByTestId('side-by-side').waitFor();
      await page.waitForTimeout(2000);
      await page.screenshot({ path: join(screenshots, 'e2e-side-by-side.png') });
      await page.getByTestId('side-by-side-toggle').uncheck();
    },
  );

  it('exports the run card as JSON into the export folder', async () => {
    await page.getByTestId('tab-runs').click();
    await page.locator(`[data-testid="run-card"][data-run-id="${runId}"] [data-testid="run-export-card"]`).click();
    await expect.poll(() => page.getByTestId('card-exported').textContent()).toContain(`${runId}.run.json`);
    expect(existsSync(join(exportDir, `${runId}.run.json`))).toBe(true);
  });

  it('raised no page errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
