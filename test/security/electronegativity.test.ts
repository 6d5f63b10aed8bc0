/**
 * The electronegativity gate (`npm run lint:electron`, run by `npm test` before vitest) is real: it flags a
 * deliberately insecure window, passes our sources with only the findings justified in docs/SECURITY.md.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { electronVersion, scan, stageSources, unaccepted, type AcceptedFinding } from '../../.electronegativity/gate.ts';
import { repoRoot } from '../helpers/shared.ts';

const installed = existsSync(join(repoRoot, 'node_modules/.bin/electronegativity'));
const accepted = JSON.parse(readFileSync(join(repoRoot, '.electronegativity/accepted.json'), 'utf8')) as AcceptedFinding[];
const temps: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'floodlens-en-test-'));
  temps.push(dir);
  return dir;
};
afterAll(() => temps.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe('electronegativity gate', () => {
  it('every accepted finding is justified in docs/SECURITY.md', () => {
    const doc = readFileSync(join(repoRoot, 'docs/SECURITY.md'), 'utf8');
    for (const a of accepted) {
      expect(doc, a.check).toContain(a.check);
      expect(a.why.length).toBeGreaterThan(40);
    }
  });

  it.skipIf(!installed)('flags an insecure window: no isolation, no sandbox, no navigation limits', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'main.js'),
      "const { app, BrowserWindow } = require('electron');\napp.whenReady().then(() => {\n  const w = new BrowserWindow({ webPreferences: { nodeIntegration: true, contextIsolation: false, sandbox: false, webSecurity: false } });\n  w.loadURL('https://example.com');\n});\n",
    );
    const findings = await scan(dir, electronVersion());
    const blocking = unaccepted(findings, accepted).map((f) => f.check);
    for (const check of [
      'CONTEXT_ISOLATION_JS_CHECK',
      'SANDBOX_JS_CHECK',
      'WEB_SECURITY_JS_CHECK',
      'LIMIT_NAVIGATION_GLOBAL_CHECK',
      'PERMISSION_REQUEST_HANDLER_GLOBAL_CHECK',
      'CSP_GLOBAL_CHECK',
    ]) {
      expect(blocking, check).toContain(check);
    }
  });

  it.skipIf(!installed)('passes our Electron sources and page: no high or medium finding left unjustified', async () => {
    const dir = tempDir();
    stageSources(dir);
    const findings = await scan(dir, electronVersion());
    expect(findings.map((f) => f.check)).toContain('OPEN_EXTERNAL_JS_CHECK'); // the scan did read our main.ts
    expect(unaccepted(findings, accepted)).toEqual([]);
    expect(findings.filter((f) => f.severity === 'HIGH')).toEqual([]);
  });
});
