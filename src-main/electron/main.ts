import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  session,
  shell,
  type IpcMainInvokeEvent,
  type Session,
  type WebContents,
} from 'electron';
import { join, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { toReply } from '../api/contract.ts';
import { setCacheDir } from '../engine/clay/cache/cache-dir.ts';
import { EngineService } from '../engine/service.ts';
import { weightsDir } from '../engine/weights/weights-dir.ts';
import { AppStateFile } from './app-state.ts';
import { IPC_EVENT_CHANNEL, IPC_REQUEST_CHANNEL } from './ipc-channels.ts';
import { buildApplicationMenu } from './menu.ts';
import { appPages, isAppPage } from './security/app-pages.ts';
import { BasemapAllowList } from './security/basemap-allow-list.ts';
import { appContentSecurityPolicy } from './security/csp.ts';
import { ipcSenderTrusted, UntrustedSenderError } from './security/ipc-sender.ts';
import { externalLinkAllowed, navigationAllowed } from './security/navigation.ts';
import { devicePermissionGranted, permissionGranted } from './security/permissions.ts';
import { decideRequest } from './security/request-filter.ts';

const rendererDir = join(import.meta.dirname, '../renderer');
const pages = appPages(rendererDir, process.env.ELECTRON_RENDERER_URL);
/** Online basemaps the user switched on; the renderer names layer ids (`basemaps.set`), never URLs. */
const basemaps = new BasemapAllowList();

// Every renderer sandboxed, including any the app never meant to create.
app.enableSandbox();

function demoWorkspacePath(): string | null {
  const flagIndex = process.argv.indexOf('--workspace');
  const candidates = [
    flagIndex >= 0 ? resolve(process.argv[flagIndex + 1] ?? '') : null,
    app.isPackaged ? join(process.resourcesPath, 'demo') : resolve(app.getAppPath(), 'resources/demo'),
  ];
  return candidates.find((path): path is string => path !== null && existsSync(path)) ?? null;
}

/** Exports go where the user says in a native folder dialog, never to a path the renderer sends. */
async function chooseExportFolder(what: 'masks' | 'run card'): Promise<string | null> {
  const window = BrowserWindow.getFocusedWindow() ?? BrowserWindow.getAllWindows()[0];
  const options = {
    title: what === 'masks' ? 'Export masks to…' : 'Export run card to…',
    buttonLabel: 'Export here',
    properties: ['openDirectory', 'createDirectory'] as ('openDirectory' | 'createDirectory')[],
  };
  const result = window ? await dialog.showOpenDialog(window, options) : await dialog.showOpenDialog(options);
  return result.canceled ? null : (result.filePaths[0] ?? null);
}

/** File › Load Clay checkpoint… and the Train panel's Load button: the path comes from this dialog, never from the renderer. */
async function chooseCheckpointFile(): Promise<string | null> {
  const window = BrowserWindow.getFocusedWindow() ?? BrowserWindow.getAllWindows()[0];
  const options = {
    title: 'Load Clay checkpoint',
    buttonLabel: 'Load checkpoint',
    filters: [
      { name: 'PyTorch / Lightning checkpoints', extensions: ['ckpt', 'pt', 'pth'] },
      { name: 'All files', extensions: ['*'] },
    ],
    properties: ['openFile'] as 'openFile'[],
  };
  const result = window ? await dialog.showOpenDialog(window, options) : await dialog.showOpenDialog(options);
  return result.canceled ? null : (result.filePaths[0] ?? null);
}

/** Permissions denied, network limited to the app's files and enabled basemap hosts, CSP sent as a header. */
function lockDownSession(target: Session): void {
  target.setPermissionRequestHandler((_contents, permission, callback, details) =>
    callback(permissionGranted(permission, details.requestingUrl)),
  );
  target.setPermissionCheckHandler((_contents, permission, requestingOrigin) => permissionGranted(permission, requestingOrigin));
  target.setDevicePermissionHandler(() => devicePermissionGranted());
  target.webRequest.onBeforeRequest((details, callback) => {
    const decision = decideRequest(details.url, pages, basemaps.origins());
    if (!decision.allow) console.warn(`floodlens: blocked ${details.url}: ${decision.reason}`);
    callback({ cancel: !decision.allow });
  });
  const policy = appContentSecurityPolicy(pages.devServerOrigin);
  target.webRequest.onHeadersReceived((details, callback) => {
    if (!isAppPage(details.url, pages)) return callback({});
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [policy] } });
  });
}

/** Applied to every web contents the app ever creates: no navigation away, no new windows, no webviews. */
function lockDownContents(contents: WebContents): void {
  const refuseNavigation = (event: { preventDefault(): void }, url: string) => {
    if (navigationAllowed(url, pages)) return;
    event.preventDefault();
    openInBrowserIfAllowed(url);
  };
  contents.on('will-navigate', refuseNavigation);
  contents.on('will-redirect', refuseNavigation);
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    openInBrowserIfAllowed(url);
    return { action: 'deny' };
  });
}

/** Attribution links go to the system browser, and only HTTPS pages on a few known hosts (see security/navigation.ts). */
function openInBrowserIfAllowed(url: string): void {
  if (externalLinkAllowed(url)) void shell.openExternal(url);
}

/** `ipcMain.handle` that first checks the request comes from the app page in a window's top frame. */
function handleFromAppPage(channel: string, handler: (...args: unknown[]) => Promise<unknown>): void {
  ipcMain.handle(channel, (event: IpcMainInvokeEvent, ...args: unknown[]) => {
    const frame = event.senderFrame;
    if (!ipcSenderTrusted(frame ? { url: frame.url, isMainFrame: frame.parent === null } : null, pages))
      throw new UntrustedSenderError(frame?.url);
    return handler(...args);
  });
}

function createMainWindow(appState: AppStateFile): BrowserWindow {
  const size = appState.current.window;
  const window = new BrowserWindow({
    width: size?.width ?? 1400,
    height: size?.height ?? 900,
    title: 'Floodlens',
    // Electron's security checklist, spelled out even where it is the default (electronegativity reads this literal).
    webPreferences: {
      preload: join(import.meta.dirname, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
      // Middle-click would open links in a new window past will-navigate.
      disableBlinkFeatures: 'Auxclick',
    },
  });
  window.on('close', () => {
    if (window.isMaximized() || window.isFullScreen()) return;
    const [width, height] = window.getSize();
    void appState.update({ window: { width, height } });
  });
  if (process.env.ELECTRON_RENDERER_URL) void window.loadURL(process.env.ELECTRON_RENDERER_URL);
  else void window.loadFile(join(rendererDir, 'index.html'));
  return window;
}

app.on('web-contents-created', (_event, contents) => lockDownContents(contents));

app.whenReady().then(() => {
  lockDownSession(session.defaultSession);
  // Converted Clay encoders live with the app's data; set before any engine worker starts.
  setCacheDir(join(app.getPath('userData'), 'cache'));
  const appState = new AppStateFile(join(app.getPath('userData'), 'floodlens-state.json'));
  const lastDataset = appState.current.lastDataset;
  const service = new EngineService({
    demoWorkspace: demoWorkspacePath(),
    lastDataset: lastDataset && existsSync(lastDataset) ? lastDataset : null,
    weightsDir: weightsDir(app.getPath('userData')),
    chooseCheckpoint: chooseCheckpointFile,
    workspaceDir: join(app.getPath('userData'), 'workspace'),
    exportTarget: { kind: 'dialog', choose: chooseExportFolder },
    onBasemapsChanged: (layers) => basemaps.setEnabled(layers),
  });
  service.onEvent((event) => {
    for (const window of BrowserWindow.getAllWindows())
      if (!window.webContents.isDestroyed()) window.webContents.send(IPC_EVENT_CHANNEL, event);
  });
  app.on('before-quit', () => void service.close());
  // Replies carry the WebSocket envelope ({ ok, result } or { ok: false, error: { code, message, file? } }): a rejected
  // ipcRenderer.invoke would keep only a reworded message and lose the code.
  handleFromAppPage(IPC_REQUEST_CHANNEL, (name, payload) =>
    toReply(async () => {
      const result = await service.handle(String(name), payload);
      // The folder of a dataset that opened is where the app starts next time.
      if (name === 'dataset.inspect') void appState.update({ lastDataset: (payload as { dir: string }).dir });
      return result;
    }),
  );
  Menu.setApplicationMenu(
    buildApplicationMenu({
      lastDatasetDir: () => appState.current.lastDataset,
      loadCheckpoint: () => service.handle('encoders.load', {}),
    }),
  );
  createMainWindow(appState);
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createMainWindow(appState);
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
