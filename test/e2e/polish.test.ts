/**
 * The workbench's finish (issue 14) in real Chromium against the in-process server: at 1280×720 every chip table
 * column shows, the side tabs follow the ARIA tabs pattern and the chip list is one tab stop moved with the keys, zoomed in on a chip the 1:10m Natural Earth outlines
 * are drawn, and a broken chip (a truncated GeoTIFF in a temp folder) says why on the map instead of a blank map.
 * Screenshots at 1280×720 and 1920×1080 go to test-results/.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo, missingForE2e, screenshots, startAppSession, type AppSession } from './app-browser.ts';

const missing = missingForE2e();
if (missing.length > 0) console.warn(`[skipped] e2e polish: missing ${missing.join(', ')}`);

describe.skipIf(missing.length > 0)('the workbench finish at 1280×720 (server mode)', () => {
  let app: AppSession;
  let page: Page;
  let temp: string;
  const pageErrors: string[] = [];
  const mapAttribute = async (name: string) => (await page.getByTestId('map').getAttribute(name)) ?? '';

  beforeAll(async () => {
    app = await startAppSession('polish', { viewport: { width: 1280, height: 720 } }, pageErrors);
    ({ page, temp } = app);
  }, 240_000);

  afterAll(async () => {
    await app?.close();
  });

  it('shows every chip table column in the default left panel', async () => {
    const table = (await page.getByTestId('chip-table').boundingBox())!;
    const head = page.getByTestId('chip-table').locator('.head span');
    expect(await head.allTextContents()).toEqual(['Chip', 'CRS', 'Size', 'Bands', 'Water', 'Issues']);
    for (const box of await head.evaluateAll((spans) => spans.map((s) => s.getBoundingClientRect().toJSON() as DOMRect))) {
      expect(box.width).toBeGreaterThan(10);
      expect(box.right).toBeLessThanOrEqual(table.x + table.width);
    }
    // The cells too: nothing of Water or Issues is clipped or pushed out of the row.
    const overflowing = await page
      .getByTestId('chip-row')
      .evaluateAll((rows) =>
        rows.flatMap((row) =>
          [...row.children].filter((cell) => cell.getBoundingClientRect().right > row.getBoundingClientRect().right + 0.5),
        ),
      );
    expect(overflowing).toEqual([]);
    await page.screenshot({ path: join(screenshots, 'e2e-polish-1280-chip-table.png') });
  });

  it('moves between the side tabs with the arrow keys, Home and End', async () => {
    await page.getByTestId('tab-dataset').focus();
    const active = () => page.evaluate(() => document.activeElement?.getAttribute('data-testid'));
    await page.keyboard.press('ArrowRight');
    expect(await active()).toBe('tab-train');
    expect(await page.getByTestId('tab-train').getAttribute('aria-selected')).toBe('true');
    await page.keyboard.press('End');
    expect(await active()).toBe('tab-scene');
    await page.keyboard.press('ArrowRight');
    expect(await active()).toBe('tab-dataset');
    await page.keyboard.press('ArrowLeft');
    expect(await active()).toBe('tab-scene');
    await page.keyboard.press('Home');
    expect(await active()).toBe('tab-dataset');
    // One tab stop for the whole tab list.
    expect(await page.getByRole('tab').evaluateAll((tabs) => tabs.map((t) => t.getAttribute('tabindex')))).toEqual(['0', '-1', '-1', '-1']);
    // Each tab names the panel it shows; only the selected tab's panel is visible.
    const panels = await page.getByRole('tab').evaluateAll((tabs) =>
      tabs.map((t) => {
        const panel = document.getElementById(t.getAttribute('aria-controls') ?? '');
        return [panel?.getAttribute('role'), panel?.getAttribute('aria-labelledby') === t.id, panel?.hidden];
      }),
    );
    expect(panels).toEqual([
      ['tabpanel', true, false],
      ['tabpanel', true, true],
      ['tabpanel', true, true],
      ['tabpanel', true, true],
    ]);
  });

  it('reaches the chip list with one Tab stop (plus the focused row’s tick box) and moves through it with the keys', async () => {
    const rows = page.getByTestId('chip-row');
    const ids = await rows.evaluateAll((r) => r.map((e) => e.getAttribute('data-chip-id')));
    const tabStops = () =>
      rows.evaluateAll((r) => r.filter((e) => e.getAttribute('tabindex') === '0').map((e) => e.getAttribute('data-chip-id')));
    expect(await tabStops()).toEqual([ids[0]]);
    // The tick boxes add one stop, the focused row's, not one per chip.
    const tickStops = () =>
      page
        .getByTestId('chip-choose')
        .evaluateAll((boxes) => boxes.flatMap((box, i) => ((box as HTMLInputElement).tabIndex >= 0 ? [i] : [])));
    expect(await tickStops()).toEqual([0]);
    const focused = () => page.evaluate(() => document.activeElement?.getAttribute('data-chip-id'));
    const selected = () =>
      rows.evaluateAll((r) => r.filter((e) => e.getAttribute('aria-selected') === 'true').map((e) => e.getAttribute('data-chip-id')));
    await rows.first().focus();
    await page.keyboard.press('ArrowDown');
    expect([await focused(), await selected()]).toEqual([ids[1], [ids[1]]]);
    await page.keyboard.press('End');
    expect([await focused(), await selected()]).toEqual([ids.at(-1), [ids.at(-1)]]);
    expect(await tickStops()).toEqual([ids.length - 1]);
    await page.keyboard.press('Shift+Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe(`Tick ${ids.at(-1)} for the chosen set`);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Home');
    expect([await focused(), await selected()]).toEqual([ids[0], [ids[0]]]);
    expect(await tabStops()).toEqual([ids[0]]);
  });

  it('draws the 1:10m outlines zoomed in on a chip', { timeout: 60_000 }, async () => {
    await page.locator('[data-testid="chip-row"][data-chip-id="Spain_7370579"]').click();
    await expect.poll(async () => Number(await mapAttribute('data-zoom')), { timeout: 20_000 }).toBeGreaterThan(10);
    await expect
      .poll(async () => (await mapAttribute('data-visible-layers')).split(' '), { timeout: 20_000 })
      .toEqual(expect.arrayContaining(['land-10m', 'coastline-10m', 'boundaries-10m']));
    await page.getByTestId('tab-dataset').focus();
    await page.screenshot({ path: join(screenshots, 'e2e-polish-1280-zoomed-chip.png') });
    await page.setViewportSize({ width: 1920, height: 1080 });
    await page.screenshot({ path: join(screenshots, 'e2e-polish-1920-zoomed-chip.png') });
    await page.setViewportSize({ width: 1280, height: 720 });
  });

  it('says on the map why a broken chip cannot be drawn', { timeout: 60_000 }, async () => {
    const dir = join(temp, 'broken');
    mkdirSync(dir);
    const source = join(demo, 'sen1floods11');
    for (const file of ['Spain_7370579_S1Hand.tif', 'Spain_7370579_LabelHand.tif', 'India_900498_LabelHand.tif'])
      copyFileSync(join(source, file), join(dir, file));
    // The first 2 kB of a real chip: a GeoTIFF header whose strips are cut off.
    writeFileSync(join(dir, 'India_900498_S1Hand.tif'), readFileSync(join(source, 'India_900498_S1Hand.tif')).subarray(0, 2048));
    await page.getByTestId('tab-dataset').click();
    await page.getByTestId('dataset-panel').getByLabel('Dataset folder').fill(dir);
    await page.getByTestId('dataset-panel').getByRole('button', { name: 'Open' }).click();
    await page.locator('[data-testid="chip-row"][data-chip-id="India_900498"]').click();
    const notice = page.getByTestId('chip-map-notice');
    await expect.poll(() => notice.textContent(), { timeout: 30_000 }).toContain('India_900498 cannot be drawn');
    expect(await notice.textContent()).toContain('India_900498_S1Hand.tif');
    await page.screenshot({ path: join(screenshots, 'e2e-polish-1280-broken-chip.png') });
    // The readable chip draws and says nothing.
    await page.locator('[data-testid="chip-row"][data-chip-id="Spain_7370579"]').click();
    await expect.poll(() => notice.count()).toBe(0);
    expect(pageErrors).toEqual([]);
  });
});
