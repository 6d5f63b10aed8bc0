/**
 * Clay encoder checkpoints and long runs from the UI, in real Chromium against the in-process server and the
 * real engine (worker threads, tfjs wasm) on the demo chips:
 *  - the weights folder (`serve --weights-dir`) listed with each file identified; a seed-net .pt refused with
 *    the identify error in the Train panel;
 *  - a scratch run cancelled from the UI mid-training and resumed to completion;
 *  - a clay-decoder run on the tiny Clay v0 checkpoint (embeddings computed once, shown as an `embed` phase),
 *    its metrics next to the scratch run in the comparison table;
 *  - "Download official Clay v1.5…" from a local HTTP mirror (progress, identified once complete), and the
 *    offline message when the server cannot be reached; a name outside the weights folder refused.
 * Needs ../shared (fixtures) and Chromium; skips clearly without them. Screenshots go to test-results/.
 */
import { copyFileSync, createReadStream, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo, missingForE2e, openAppPage, openComparison, rendererDir, screenshots } from './app-browser.ts';
import type { RunRecord } from '../../src-main/api/run.ts';
import { readRunRecord } from '../../src-main/engine/run/run-record.ts';
import { EngineService } from '../../src-main/engine/service.ts';
import { findCatalogueEntry, type ClayWeightsEntry } from '../../src-main/engine/weights/catalogue.ts';
import { startServer, type RunningServer } from '../../src-main/server/server.ts';
import { hasShared, reportSkippedWithoutShared, sharedFixture } from '../helpers/shared.ts';

const clayV0 = sharedFixture('clay-v0', 'clay-v0-tiny.ckpt');
const clayV15 = sharedFixture('clay-v1.5', 'clay-v1.5-tiny.ckpt');
const seedNet = sharedFixture('seed-nets', 'scratch-net.pt');
reportSkippedWithoutShared('e2e encoders (Clay checkpoints in the Train panel)');
const missing = [!hasShared && '../shared', ...missingForE2e()].filter(Boolean);
if (missing.length > 0) console.warn(`[skipped] e2e encoders: missing ${missing.join(', ')}`);

/** Serves one file slowly (64 KiB every 10 ms) so download progress is visible; honours Range. */
function slowFileServer(file: string): Promise<{ server: Server; url: string }> {
  const size = statSync(file).size;
  const server = createServer((request, response) => {
    const range = /^bytes=(\d+)-$/.exec(request.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    response.writeHead(range ? 206 : 200, {
      'content-length': String(size - start),
      ...(range ? { 'content-range': `bytes ${start}-${size - 1}/${size}` } : {}),
    });
    const stream = createReadStream(file, { start, highWaterMark: 64 * 1024 });
    stream.on('data', (chunk) => {
      stream.pause();
      response.write(chunk, () => setTimeout(() => stream.resume(), 10));
    });
    stream.on('end', () => response.end());
  });
  return new Promise((done) =>
    server.listen(0, '127.0.0.1', () => done({ server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` })),
  );
}

describe.skipIf(missing.length > 0)('Clay checkpoints, cancel and resume from the UI (server mode)', () => {
  let server: RunningServer;
  let service: EngineService;
  let mirror: { server: Server; url: string };
  let browser: Browser;
  let page: Page;
  let temp: string;
  let workspaceDir: string;
  let weightsDir: string;
  let scratchRunId: string;
  let clayRunId: string;
  const pageErrors: string[] = [];

  async function waitFor<T>(read: () => Promise<T>, check: (value: T) => boolean, what: string, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: T | undefined;
    while (Date.now() < deadline) {
      last = await read().catch(() => undefined);
      if (last !== undefined && check(last)) return last;
      await page.waitForTimeout(200);
    }
    throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)?.slice(0, 400)}`);
  }
  const progress = () => page.getByTestId('train-progress');
  const record = (runId: string): Promise<RunRecord> => readRunRecord(join(workspaceDir, 'runs', runId));
  const option = (value: string) => page.locator(`[data-testid="train-encoder"] option[value="${value}"]`);

  beforeAll(async () => {
    temp = mkdtempSync(join(tmpdir(), 'floodlens-e2e-encoders-'));
    workspaceDir = join(temp, 'workspace');
    weightsDir = join(temp, 'weights');
    mkdirSync(join(weightsDir, 'more'), { recursive: true });
    copyFileSync(clayV0, join(weightsDir, 'clay-v0-tiny.ckpt'));
    copyFileSync(seedNet, join(weightsDir, 'seed-scratch-net.pt'));
    copyFileSync(clayV0, join(weightsDir, 'more', 'another-v0.ckpt'));
    mirror = await slowFileServer(clayV15);
    // The official entries, pointed at a local mirror (v1.5) and at a closed port (v0.1: "no network").
    const catalogue: ClayWeightsEntry[] = [
      {
        ...findCatalogueEntry('clay-v1.5')!,
        url: `${mirror.url}/v1.5/clay-v1.5.ckpt`,
        sizeBytes: statSync(clayV15).size,
        description: 'Clay v1.5 (test mirror).',
      },
      {
        ...findCatalogueEntry('clay-v0.1')!,
        fileName: 'Clay_v0.1.ckpt',
        url: 'http://127.0.0.1:9/Clay_v0.1.ckpt',
        description: 'Clay v0.1 (unreachable).',
      },
    ];
    service = new EngineService({ demoWorkspace: demo, workspaceDir, exportTarget: null, weightsDir, weightsCatalogue: catalogue });
    server = await startServer({ service, rendererDir, port: 0 });
    ({ browser, page } = await openAppPage(server.url, { width: 1500, height: 950 }, pageErrors));
    await page.getByTestId('chip-row').first().waitFor({ timeout: 120_000 });
    await page.getByTestId('tab-train').click();
    await waitFor(
      () => page.getByTestId('train-data-dir').inputValue(),
      (dir) => dir === demo,
      'the dataset folder in the form',
    );
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await service?.close();
    await new Promise((done) => mirror?.server.close(done));
    if (temp) rmSync(temp, { recursive: true, force: true });
  });

  it('lists the weights folder identified, and shows the refusal for a checkpoint of the wrong model', async () => {
    await page.getByTestId('train-model').selectOption('clay-decoder');
    await page.getByTestId('encoder-picker').waitFor();
    await expect.poll(() => option('weights:clay-v0-tiny.ckpt').textContent()).toContain('Clay v0, dim 64, depth 2');
    expect(await option('weights:seed-scratch-net.pt').textContent()).toContain('not a Clay encoder');
    // The usable checkpoint is chosen by default.
    expect(await page.getByTestId('train-encoder').inputValue()).toBe('weights:clay-v0-tiny.ckpt');
    await expect.poll(() => page.getByTestId('encoder-identity').textContent()).toContain('Clay v0 encoder (dim 64, depth 2');

    await page.getByTestId('train-encoder').selectOption('weights:seed-scratch-net.pt');
    const refusal = await page.getByTestId('encoder-error').textContent();
    expect(refusal).toContain('not a Clay encoder');
    expect(refusal).toContain("the seed's from-scratch net");
    expect(refusal).toContain('seed-scratch-net.pt');
    expect(await page.getByTestId('train-start').isDisabled()).toBe(true);
    await page.getByTestId('training-panel').screenshot({ path: join(screenshots, 'e2e-encoder-refused.png') });
  });

  it('loads a checkpoint by name inside the weights folder only', async () => {
    await page.getByTestId('encoder-load-name').fill('../outside.ckpt');
    await page.getByTestId('encoder-load').click();
    await expect.poll(() => page.getByTestId('encoder-load-error').textContent()).toMatch(/no file|not inside the weights folder/);
    await page.getByTestId('encoder-load-name').fill('more/another-v0.ckpt');
    await page.getByTestId('encoder-load').click();
    await expect.poll(() => page.getByTestId('train-encoder').inputValue()).toBe('loaded:0');
    expect(await page.getByTestId('encoder-identity').textContent()).toContain('Clay v0');
  });

  it(
    'downloads the official checkpoint with progress (local mirror), and says "no network" when unreachable',
    { timeout: 120_000 },
    async () => {
      await page.getByTestId('train-encoder').selectOption('download:clay-v0.1');
      await page.getByTestId('encoder-download-start').click();
      await expect.poll(() => page.getByTestId('encoder-download-error').textContent(), { timeout: 30_000 }).toContain('no network');

      await page.getByTestId('train-encoder').selectOption('download:clay-v1.5');
      await page.getByTestId('encoder-download-start').click();
      const seen = await waitFor(
        () => page.getByTestId('encoder-download-bar').getAttribute('aria-valuenow'),
        (v) => Number(v) > 0,
        'download progress',
        30_000,
      );
      expect(Number(seen)).toBeGreaterThan(0);
      await page.getByTestId('training-panel').screenshot({ path: join(screenshots, 'e2e-encoder-download.png') });
      // Once complete and identified, the new file is selected.
      await expect.poll(() => page.getByTestId('train-encoder').inputValue(), { timeout: 60_000 }).toBe('weights:clay-v1.5.ckpt');
      expect(await page.getByTestId('encoder-identity').textContent()).toContain('Clay v1.x encoder');
      expect(statSync(join(weightsDir, 'clay-v1.5.ckpt')).size).toBe(statSync(clayV15).size);
      expect(existsSync(join(weightsDir, 'clay-v1.5.ckpt.part'))).toBe(false);
    },
  );

  it('cancels a running training from the UI and resumes it to completion', { timeout: 600_000 }, async () => {
    await page.getByTestId('train-model').selectOption('scratch');
    await page.getByTestId('train-epochs').fill('4');
    await page.getByTestId('train-batch').fill('2');
    await page.getByTestId('train-chip-size').fill('64');
    await page.getByTestId('train-seed').fill('0');
    await page.getByTestId('train-start').click();
    scratchRunId = (await waitFor(
      () => progress().getAttribute('data-run-id'),
      (id) => !!id && /-scratch-/.test(id),
      'the scratch run',
    ))!;
    // Cancel once the first epoch is on disk (its checkpoint is what resume continues from).
    await waitFor(
      () => record(scratchRunId),
      (r) => r.epochs.length >= 1,
      'the first epoch',
      300_000,
    );
    await page.getByTestId('train-cancel').click();
    await waitFor(
      async () => [await progress().getAttribute('data-status'), await progress().getAttribute('data-active')],
      ([s, a]) => s === 'cancelled' && a === 'false',
      'the run to stop',
      120_000,
    );
    const cancelled = await record(scratchRunId);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.epochs.length).toBeLessThan(4);
    await page.getByTestId('training-panel').screenshot({ path: join(screenshots, 'e2e-train-cancelled.png') });

    await page.getByTestId('train-resume').click();
    await waitFor(
      () => progress().getAttribute('data-active'),
      (a) => a === 'true',
      'the resumed run to start',
      30_000,
    );
    await waitFor(
      () => progress().getAttribute('data-status'),
      (s) => s === 'completed',
      'the resumed run to complete',
      400_000,
    );
    const done = await record(scratchRunId);
    expect(done.status).toBe('completed');
    expect(done.epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4]);
    expect(done.timings.resumedTimes).toBe(1);
    expect(await page.getByTestId('iou-chart').getAttribute('data-points')).toBe('4');
    await page.getByTestId('training-panel').screenshot({ path: join(screenshots, 'e2e-train-resumed.png') });
  });

  it(
    'trains a clay-decoder on the tiny Clay v0 checkpoint (embed phase) and compares it with the scratch run',
    { timeout: 600_000 },
    async () => {
      await page.getByTestId('train-model').selectOption('clay-decoder');
      await page.getByTestId('train-encoder').selectOption('weights:clay-v0-tiny.ckpt');
      await page.getByTestId('train-epochs').fill('2');
      // Record every phase the progress header shows (embedding is short on 5 tiny chips).
      await page.evaluate(() => {
        const phases: string[] = [];
        (window as unknown as { phases: string[] }).phases = phases;
        new MutationObserver(() => {
          const phase = document.querySelector('[data-testid="train-phase"]')?.getAttribute('data-phase');
          if (phase && phases[phases.length - 1] !== phase) phases.push(phase);
        }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-phase'] });
      });
      await page.getByTestId('train-start').click();
      clayRunId = (await waitFor(
        () => progress().getAttribute('data-run-id'),
        (id) => !!id && /-clay-decoder-/.test(id),
        'the clay-decoder run',
      ))!;
      await waitFor(
        () => progress().getAttribute('data-status'),
        (s) => s === 'completed' || s === 'failed',
        'the clay-decoder run to finish',
        500_000,
      );
      const clay = await record(clayRunId);
      expect(clay.error).toBeNull();
      expect(clay.status).toBe('completed');
      expect(clay.config.encoder).toBe(join(weightsDir, 'clay-v0-tiny.ckpt'));
      // Cached beside the runs, shared by every run on this encoder.
      expect(clay.config.embeddingsDir).toContain(join(workspaceDir, 'runs', 'embeddings'));
      expect(clay.data.notes[0]).toMatch(/embeddings: Clay v0 .*, 5 computed, 0 reused/);
      const phases = await page.evaluate(() => (window as unknown as { phases: string[] }).phases);
      expect(phases).toContain('embed');
      expect(phases.indexOf('embed')).toBeLessThan(phases.indexOf('train'));

      // Both runs ticked and compared on the same test chips.
      await openComparison(page);
      const ids = await waitFor(
        () => page.getByTestId('metric-cell').evaluateAll((nodes) => [...new Set(nodes.map((n) => n.getAttribute('data-run-id')))]),
        (found) => found.includes(clayRunId) && found.includes(scratchRunId),
        'the scratch and clay-decoder runs in the metric table',
        300_000,
      );
      expect(ids).toHaveLength(2);
      const clayCells = await page
        .locator(`[data-testid="metric-cell"][data-run-id="${clayRunId}"]`)
        .evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-value')));
      expect(clayCells.length).toBeGreaterThan(0);
      for (const value of clayCells) expect(value === 'null' || Number.isFinite(Number(value))).toBe(true);
      await page.screenshot({ path: join(screenshots, 'e2e-clay-vs-scratch.png') });
    },
  );

  it('retrains a head on the same checkpoint without embedding anything again', { timeout: 300_000 }, async () => {
    await page.getByTestId('train-epochs').fill('1');
    await page.getByTestId('train-start').click();
    const again = (await waitFor(
      () => progress().getAttribute('data-run-id'),
      (id) => !!id && id !== clayRunId && /-clay-decoder-/.test(id),
      'the second clay-decoder run',
    ))!;
    await waitFor(
      () => progress().getAttribute('data-status'),
      (s) => s === 'completed' || s === 'failed',
      'the second clay-decoder run to finish',
      240_000,
    );
    const second = await record(again);
    expect(second.status).toBe('completed');
    expect(second.config.embeddingsDir).toBe((await record(clayRunId)).config.embeddingsDir);
    expect(second.data.notes[0]).toMatch(/, 0 computed, 5 reused/);
  });

  it(
    'trains a clay-decoder on the Clay v1.5 checkpoint from the S1 bands alone, says so on the run card, and compares it',
    { timeout: 400_000 },
    async () => {
      await page.getByTestId('tab-train').click();
      await page.getByTestId('train-model').selectOption('clay-decoder');
      await page.getByTestId('train-encoder').selectOption('weights:clay-v1.5.ckpt');
      await expect.poll(() => page.getByTestId('encoder-identity').textContent()).toContain('Clay v1.x encoder');
      await page.getByTestId('train-epochs').fill('1');
      const previous = await progress().getAttribute('data-run-id');
      await page.getByTestId('train-start').click();
      const v15RunId = (await waitFor(
        () => progress().getAttribute('data-run-id'),
        (id) => !!id && id !== previous && /-clay-decoder-/.test(id),
        'the Clay v1.5 decoder run',
      ))!;
      await waitFor(
        () => progress().getAttribute('data-status'),
        (s) => s === 'completed' || s === 'failed',
        'the Clay v1.5 decoder run to finish',
        360_000,
      );
      const v15 = await record(v15RunId);
      expect(v15.error).toBeNull();
      expect(v15.status).toBe('completed');
      expect(v15.config.encoder).toBe(join(weightsDir, 'clay-v1.5.ckpt'));
      expect(v15.data.inputBands).toEqual(['embedding:clay-v1.5']);
      // Every demo chip is Sentinel-1 only: v1.5 encodes VV and VH as they are, nothing fed as zeros.
      expect(v15.data.encoderInputs).toMatchObject({ version: 'v1.5', zeroFilledBands: [], chipsZeroFilled: 0 });
      expect(v15.data.encoderInputs!.recipes.length).toBeGreaterThan(0);
      for (const recipe of v15.data.encoderInputs!.recipes) expect(recipe).toMatch(/sentinel-1.*\[VV, VH\]/);
      expect(v15.data.notes[0]).toMatch(/embeddings: Clay v1\.x .*5 computed, 0 reused/);

      // The run cards say what each encoder got: v1.5 the radar bands, v0 its optical bands as zeros.
      await page.getByTestId('tab-runs').click();
      const inputsOf = (runId: string) =>
        page.locator(`[data-testid="run-card"][data-run-id="${runId}"] [data-testid="run-encoder-inputs"]`);
      await expect.poll(() => inputsOf(v15RunId).textContent()).toMatch(/Clay v1\.5: .*sentinel-1.*\[VV, VH\]/);
      expect(await inputsOf(v15RunId).getAttribute('title')).toContain('saw the bands each chip has');
      await expect.poll(() => inputsOf(clayRunId).textContent()).toMatch(/Clay v0: \d+ missing bands fed as zeros on 5 chip\(s\)/);
      await page
        .locator(`[data-testid="run-card"][data-run-id="${v15RunId}"]`)
        .screenshot({ path: join(screenshots, 'e2e-clay-v15-card.png') });

      // Compared beside the v0 decoder and the scratch run on the same test chips.
      await openComparison(page);
      await waitFor(
        () => page.getByTestId('metric-cell').evaluateAll((nodes) => [...new Set(nodes.map((n) => n.getAttribute('data-run-id')))]),
        (found) => [v15RunId, clayRunId, scratchRunId].every((id) => found.includes(id)),
        'the v1.5 decoder, the v0 decoder and the scratch run in the metric table',
        300_000,
      );
      const cells = await page
        .locator(`[data-testid="metric-cell"][data-run-id="${v15RunId}"]`)
        .evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-value')));
      expect(cells.length).toBeGreaterThan(0);
      for (const value of cells) expect(value === 'null' || Number.isFinite(Number(value))).toBe(true);
      await page.screenshot({ path: join(screenshots, 'e2e-clay-v15-compare.png') });
    },
  );

  it('raised no page errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
