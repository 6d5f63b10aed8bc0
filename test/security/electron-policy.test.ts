/**
 * The desktop app's security decisions, as the pure functions main.ts wires into Electron (the Electron
 * binary is not installed here): what the renderer may load, where it may navigate, which IPC senders
 * are answered, permissions, the CSP, webPreferences — and that main.ts actually uses them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ONLINE_BASEMAP_IDS, ONLINE_BASEMAP_ORIGINS } from '../../src-main/api/basemaps.ts';
import { contentSecurityPolicyDirectives, parseContentSecurityPolicy } from '../../src-main/api/content-security-policy.ts';
import { appPages, isAppPage } from '../../src-main/electron/security/app-pages.ts';
import { BasemapAllowList } from '../../src-main/electron/security/basemap-allow-list.ts';
import { appContentSecurityPolicy } from '../../src-main/electron/security/csp.ts';
import { ipcSenderTrusted } from '../../src-main/electron/security/ipc-sender.ts';
import { externalLinkAllowed, navigationAllowed } from '../../src-main/electron/security/navigation.ts';
import { devicePermissionGranted, permissionGranted } from '../../src-main/electron/security/permissions.ts';
import { decideRequest } from '../../src-main/electron/security/request-filter.ts';
import { ONLINE_BASEMAPS } from '../../src-renderer/src/map/basemap-style.ts';
import { repoRoot } from '../helpers/shared.ts';

const pages = appPages('/opt/Floodlens/resources/app.asar/out/renderer', undefined);
const devPages = appPages('/home/me/floodlens/out/renderer', 'http://localhost:5173/');
const app = 'file:///opt/Floodlens/resources/app.asar/out/renderer/';

describe('renderer network allow-list (session.webRequest.onBeforeRequest)', () => {
  it('allows the app files, DevTools and in-memory URLs, and no other file', () => {
    for (const url of [
      `${app}index.html`,
      `${app}assets/index-abc.js`,
      `${app}assets/maplibre-gl-csp-worker.js`,
      'devtools://devtools/bundled/inspector.html',
      'data:image/png;base64,AAAA',
      'blob:file:///1234-5678',
    ]) {
      expect(decideRequest(url, pages, []).allow, url).toBe(true);
    }
    for (const url of [
      'file:///etc/passwd',
      `${app}../../../../etc/passwd`,
      `${app}%2e%2e/%2e%2e/secret`,
      `${app}assets/..%2f..%2f..%2fsecret`,
      'file:///opt/Floodlens/resources/app.asar/out/renderer-evil/x.js',
      'file://evil-host/share/x.js',
    ]) {
      expect(decideRequest(url, pages, []).allow, url).toBe(false);
    }
  });

  it('reaches a basemap host only while the user has that layer switched on', () => {
    const list = new BasemapAllowList();
    const osmTile = 'https://tile.openstreetmap.org/3/4/2.png';
    const esriTile = 'https://server.arcgisonline.com/ArcGIS/rest/services/World_Imagery/MapServer/tile/3/2/4';
    expect(decideRequest(osmTile, pages, list.origins()).allow).toBe(false);
    list.setEnabled(['osm']);
    expect(decideRequest(osmTile, pages, list.origins()).allow).toBe(true);
    expect(decideRequest(esriTile, pages, list.origins()).allow).toBe(false);
    list.setEnabled(['esri']);
    expect(decideRequest(osmTile, pages, list.origins()).allow).toBe(false);
    expect(decideRequest(esriTile, pages, list.origins()).allow).toBe(true);
    list.setEnabled([]);
    expect(decideRequest(esriTile, pages, list.origins()).allow).toBe(false);
  });

  it('takes layer ids only: a URL or host named as a layer enables nothing', () => {
    const list = new BasemapAllowList();
    expect(list.setEnabled(['https://evil.example', 'evil.example', 'tile.openstreetmap.org', '__proto__'])).toEqual([]);
    expect(list.origins()).toEqual([]);
  });

  it('refuses everything else, even look-alikes of an enabled host', () => {
    const origins = new BasemapAllowList().setEnabled(['osm', 'esri']).flatMap((id) => ONLINE_BASEMAP_ORIGINS[id]);
    for (const url of [
      'http://tile.openstreetmap.org/1/1/1.png', // not HTTPS
      'https://tile.openstreetmap.org.evil.example/1/1/1.png',
      'https://evil.example/?https://tile.openstreetmap.org',
      'https://user:pw@tile.openstreetmap.org/1/1/1.png',
      'https://tile.openstreetmap.org:8443/1/1/1.png',
      'https://a.tile.openstreetmap.org/1/1/1.png',
      'ws://127.0.0.1:8080/ws', // the app talks IPC, never to a local server
      'http://127.0.0.1:5173/',
      'ftp://example.com/x',
      'chrome-extension://abc/x.js',
      'not a url',
    ]) {
      expect(decideRequest(url, pages, origins).allow, url).toBe(false);
    }
  });

  it('allows the dev server and its hot-reload socket only in `npm run dev`', () => {
    expect(decideRequest('http://localhost:5173/src/main.ts', devPages, []).allow).toBe(true);
    expect(decideRequest('ws://localhost:5173/', devPages, []).allow).toBe(true);
    expect(decideRequest('http://localhost:5174/', devPages, []).allow).toBe(false);
    expect(decideRequest('http://localhost:5173/src/main.ts', pages, []).allow).toBe(false);
  });

  it("covers every tile URL the renderer's basemap style uses", () => {
    expect(Object.keys(ONLINE_BASEMAPS).sort()).toEqual([...ONLINE_BASEMAP_IDS].sort());
    for (const id of ONLINE_BASEMAP_IDS) {
      for (const tile of ONLINE_BASEMAPS[id].tiles)
        expect(ONLINE_BASEMAP_ORIGINS[id], `${id}: ${tile}`).toContain(new URL(tile.replace(/[{}]/g, '')).origin);
    }
  });
});

describe('navigation and new windows', () => {
  it('lets the window (re)load only the app page', () => {
    expect(navigationAllowed(`${app}index.html`, pages)).toBe(true);
    expect(navigationAllowed(`${app}index.html#/runs`, pages)).toBe(true);
    for (const url of [
      'https://evil.example/',
      `${app}other.html`,
      'file:///etc/passwd',
      'javascript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'about:blank',
      'http://localhost:5173/',
    ]) {
      expect(navigationAllowed(url, pages), url).toBe(false);
    }
    expect(navigationAllowed('http://localhost:5173/?x', devPages)).toBe(true);
  });

  it('hands only HTTPS attribution links on known hosts to the system browser', () => {
    expect(externalLinkAllowed('https://www.openstreetmap.org/copyright')).toBe(true);
    for (const url of [
      'http://www.openstreetmap.org/copyright',
      'https://evil.example/',
      'https://www.openstreetmap.org.evil.example/',
      'file:///etc/passwd',
      'smb://host/share',
      'javascript:alert(1)',
      'https://user@www.openstreetmap.org/',
      'ms-msdt:/id PCWDiagnostic',
    ]) {
      expect(externalLinkAllowed(url), url).toBe(false);
    }
  });
});

describe('IPC sender check (every ipcMain.handle)', () => {
  it('answers only the app page in a top frame', () => {
    expect(ipcSenderTrusted({ url: `${app}index.html`, isMainFrame: true }, pages)).toBe(true);
    expect(ipcSenderTrusted({ url: `${app}index.html?x=1#y`, isMainFrame: true }, pages)).toBe(true);
    expect(ipcSenderTrusted({ url: `${app}index.html`, isMainFrame: false }, pages)).toBe(false); // an iframe
    expect(ipcSenderTrusted({ url: 'https://tile.openstreetmap.org/', isMainFrame: true }, pages)).toBe(false);
    expect(ipcSenderTrusted({ url: 'file:///tmp/evil.html', isMainFrame: true }, pages)).toBe(false);
    expect(ipcSenderTrusted({ url: `${app}assets/evil.html`, isMainFrame: true }, pages)).toBe(false);
    expect(ipcSenderTrusted({ url: '', isMainFrame: true }, pages)).toBe(false);
    expect(ipcSenderTrusted(null, pages)).toBe(false);
    expect(ipcSenderTrusted({ url: 'http://localhost:5173/', isMainFrame: true }, pages)).toBe(false);
    expect(ipcSenderTrusted({ url: 'http://localhost:5173/', isMainFrame: true }, devPages)).toBe(true);
  });

  it('main.ts registers IPC handlers only through the sender-checking wrapper', () => {
    const main = readFileSync(join(repoRoot, 'src-main/electron/main.ts'), 'utf8');
    const handles = [...main.matchAll(/ipcMain\.(handle|handleOnce|on|once)\(/g)];
    expect(handles.length).toBe(1); // the one inside handleFromAppPage
    expect(main).toMatch(
      /function handleFromAppPage[\s\S]*?ipcMain\.handle\(channel[\s\S]*?ipcSenderTrusted\([\s\S]*?throw new UntrustedSenderError/,
    );
    expect(main).toMatch(/handleFromAppPage\(IPC_REQUEST_CHANNEL/);
  });
});

describe('permissions', () => {
  it('denies every permission request and check, from any origin', () => {
    for (const permission of [
      'media',
      'geolocation',
      'notifications',
      'midi',
      'midiSysex',
      'pointerLock',
      'fullscreen',
      'openExternal',
      'clipboard-read',
      'clipboard-sanitized-write',
      'display-capture',
      'hid',
      'serial',
      'usb',
      'idle-detection',
      'storage-access',
      'unknown',
    ]) {
      expect(permissionGranted(permission, `${app}index.html`), permission).toBe(false);
      expect(permissionGranted(permission, 'https://evil.example'), permission).toBe(false);
    }
    expect(devicePermissionGranted()).toBe(false);
  });
});

describe('Content-Security-Policy', () => {
  const header = parseContentSecurityPolicy(appContentSecurityPolicy(null));

  it('is strict: scripts from the app only, no eval, no inline script, no plugins, frames or base/form tricks', () => {
    expect(header['default-src']).toEqual(["'self'"]);
    expect(header['script-src']).toEqual(["'self'"]);
    for (const sources of Object.values(header)) {
      expect(sources).not.toContain("'unsafe-eval'");
      expect(sources).not.toContain('*');
      expect(sources.filter((s) => s.startsWith('http:') || s.startsWith('ws:'))).toEqual([]);
    }
    expect(header['object-src']).toEqual(["'none'"]);
    expect(header['frame-src']).toEqual(["'none'"]);
    expect(header['frame-ancestors']).toEqual(["'none'"]);
    expect(header['base-uri']).toEqual(["'none'"]);
    expect(header['form-action']).toEqual(["'none'"]);
    expect(header['connect-src']).toEqual(["'self'", 'blob:', ...ONLINE_BASEMAP_IDS.flatMap((id) => ONLINE_BASEMAP_ORIGINS[id])]);
  });

  it("the page's <meta> policy says the same, apart from the engine WebSocket of server mode", () => {
    const html = readFileSync(join(repoRoot, 'src-renderer/index.html'), 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1];
    expect(meta).toBeDefined();
    const parsed = parseContentSecurityPolicy(meta!);
    const expected = contentSecurityPolicyDirectives({ connect: ['ws://127.0.0.1:*', 'ws://localhost:*'] });
    delete expected['frame-ancestors']; // ignored in a meta tag; sent as a header only
    expect(Object.keys(parsed).sort()).toEqual(Object.keys(expected).sort());
    for (const [name, sources] of Object.entries(expected)) expect([...parsed[name]].sort(), name).toEqual([...sources].sort());
    expect(html).toMatch(/<meta name="referrer" content="no-referrer"/);
  });

  it('main.ts sends it as a header on the app page', () => {
    const main = readFileSync(join(repoRoot, 'src-main/electron/main.ts'), 'utf8');
    expect(main).toMatch(/onHeadersReceived\([\s\S]*?isAppPage\([\s\S]*?'Content-Security-Policy': \[policy\]/);
    expect(isAppPage(`${app}index.html`, pages)).toBe(true);
  });
});

describe('webPreferences and the wiring in main.ts', () => {
  it('the main window follows the Electron security checklist', () => {
    const main = readFileSync(join(repoRoot, 'src-main/electron/main.ts'), 'utf8');
    const prefs = /webPreferences: \{([\s\S]*?)\n    \}/.exec(main)?.[1] ?? '';
    for (const setting of [
      'contextIsolation: true',
      'sandbox: true',
      'nodeIntegration: false',
      'nodeIntegrationInWorker: false',
      'nodeIntegrationInSubFrames: false',
      'webSecurity: true',
      'allowRunningInsecureContent: false',
      'experimentalFeatures: false',
      'webviewTag: false',
      'navigateOnDragDrop: false',
      "disableBlinkFeatures: 'Auxclick'",
    ]) {
      expect(prefs, setting).toContain(setting);
    }
    expect(main.match(/new BrowserWindow\(/g)).toHaveLength(1);
  });

  it('main.ts applies every guard to the session, to every web contents and to the window', () => {
    const main = readFileSync(join(repoRoot, 'src-main/electron/main.ts'), 'utf8');
    for (const pattern of [
      /app\.enableSandbox\(\)/,
      /setPermissionRequestHandler\([\s\S]*?permissionGranted\(/,
      /setPermissionCheckHandler\([\s\S]*?permissionGranted\(/,
      /setDevicePermissionHandler\(/,
      /onBeforeRequest\([\s\S]*?decideRequest\(details\.url, pages, basemaps\.origins\(\)\)[\s\S]*?cancel: !decision\.allow/,
      /app\.on\('web-contents-created', \(_event, contents\) => lockDownContents\(contents\)\)/,
      /contents\.on\('will-navigate', refuseNavigation\)/,
      /contents\.on\('will-redirect', refuseNavigation\)/,
      /contents\.on\('will-attach-webview', \(event\) => event\.preventDefault\(\)\)/,
      /setWindowOpenHandler\([\s\S]*?action: 'deny'/,
      /lockDownSession\(session\.defaultSession\)/,
      /onBasemapsChanged: \(layers\) => basemaps\.setEnabled\(layers\)/,
    ]) {
      expect(main, String(pattern)).toMatch(pattern);
    }
    expect(main).not.toMatch(/nodeIntegration:\s*true|contextIsolation:\s*false|sandbox:\s*false|webSecurity:\s*false/);
  });

  it.skipIf(!existsSync(join(repoRoot, 'out/main/index.js')))(
    'the built main bundle carries the same settings (after `electron-vite build`)',
    () => {
      const bundle = readFileSync(join(repoRoot, 'out/main/index.js'), 'utf8');
      for (const setting of [
        'contextIsolation: true',
        'sandbox: true',
        'nodeIntegration: false',
        'webSecurity: true',
        'webviewTag: false',
        'enableSandbox()',
        'setPermissionRequestHandler',
        'onBeforeRequest',
        'will-attach-webview',
      ]) {
        expect(bundle, setting).toContain(setting);
      }
    },
  );
});
