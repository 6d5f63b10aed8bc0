/** What the e2e suites share: where the built UI and the demo are, and a Chromium page on the app. */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { repoRoot } from '../helpers/shared.ts';
import { CHROMIUM, has } from '../helpers/references.ts';

export { CHROMIUM };
export const rendererDir = join(repoRoot, 'out/renderer');
export const demo = join(repoRoot, 'resources/demo');
export const screenshots = join(repoRoot, 'test-results');

/** What a suite lacks to run here (the build, Debian's chromium, the demo), for a clear skip message. */
export function missingForE2e(): string[] {
  return [
    !existsSync(join(rendererDir, 'index.html')) && 'out/renderer (run `npm run build`)',
    !has('chromium') && CHROMIUM,
    !existsSync(demo) && 'resources/demo',
  ].filter((item): item is string => Boolean(item));
}

/**
 * Debian's Chromium, headless with WebGL through SwiftShader, on `url`; page errors land in `pageErrors`.
 * `beforeLoad` sees the page before it loads (to listen from the first request, e.g. the WebSocket).
 */
export async function openAppPage(
  url: string,
  viewport: { width: number; height: number },
  pageErrors: string[],
  beforeLoad?: (page: Page) => void,
): Promise<{ browser: Browser; page: Page }> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--enable-unsafe-swiftshader',
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
  const page = await browser.newPage({ viewport });
  // Actions wait up to a minute: a loaded 2-core CI machine has taken more than Playwright's 30 s to settle a click.
  page.setDefaultTimeout(60_000);
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
  mkdirSync(screenshots, { recursive: true });
  beforeLoad?.(page);
  await page.goto(url);
  return { browser, page };
}

/** The comparison starts folded (the map keeps the window): open it before reading its table. */
export async function openComparison(page: Page): Promise<void> {
  const fold = page.getByTestId('comparison-fold');
  if ((await fold.getAttribute('aria-expanded')) !== 'true') await fold.click();
}
