/** What the e2e suites share: where the built UI and the demo are, a Chromium page on the app, the app session. */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { repoRoot } from '../helpers/shared.ts';
import { CHROMIUM, has } from '../helpers/references.ts';
import { EngineService } from '../../src-main/engine/service.ts';
import { startServer, type RunningServer } from '../../src-main/server/server.ts';

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

/** The app as a suite drives it: a fresh workspace, the engine service, the server and a page whose chip list has loaded. */
export interface AppSession {
  temp: string;
  workspaceDir: string;
  exportDir: string;
  service: EngineService;
  server: RunningServer;
  browser: Browser;
  page: Page;
  close(): Promise<void>;
}

export interface AppSessionOptions {
  viewport: { width: number; height: number };
  /** Fills the workspace (runs, scenes) before the server starts. */
  prepare?: (workspaceDir: string) => Promise<void>;
  /** Server mode's read roots, from the session's temp folder (default: none, reads anywhere). */
  readRoots?: (temp: string) => string[];
  /** Sees the page before it loads (openAppPage). */
  beforeLoad?: (page: Page) => void;
}

/** Starts the app on the demo in a temp folder named after `suite`; page errors land in `pageErrors`. */
export async function startAppSession(suite: string, options: AppSessionOptions, pageErrors: string[]): Promise<AppSession> {
  const temp = mkdtempSync(join(tmpdir(), `floodlens-e2e-${suite}-`));
  const workspaceDir = join(temp, 'workspace');
  const exportDir = join(temp, 'exports');
  await options.prepare?.(workspaceDir);
  const service = new EngineService({
    demoWorkspace: demo,
    workspaceDir,
    exportTarget: { kind: 'folder', dir: exportDir },
    ...(options.readRoots ? { readRoots: options.readRoots(temp) } : {}),
  });
  const server = await startServer({ service, rendererDir, port: 0 });
  const { browser, page } = await openAppPage(server.url, options.viewport, pageErrors, options.beforeLoad);
  await page.getByTestId('chip-row').first().waitFor({ timeout: 120_000 });
  const close = async () => {
    await browser.close();
    await server.close();
    await service.close();
    rmSync(temp, { recursive: true, force: true });
  };
  return { temp, workspaceDir, exportDir, service, server, browser, page, close };
}

/** Polls `read` until `check` holds (a read that throws counts as not yet), or fails naming `what` and the last value. */
export async function waitForValue<T>(
  page: Page,
  read: () => Promise<T>,
  check: (value: T) => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await read().catch(() => undefined);
    if (last !== undefined && check(last)) return last;
    await page.waitForTimeout(250);
  }
  throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)?.slice(0, 400)}`);
}
