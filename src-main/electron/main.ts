import { app, BrowserWindow, dialog, ipcMain, Menu, shell } from 'electron';
import { join, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { EngineService } from '../engine/service.ts';
import { IPC_EVENT_CHANNEL, IPC_REQUEST_CHANNEL } from './ipc-channels.ts';
import { buildApplicationMenu } from './menu.ts';

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
  const options = { title: what === 'masks' ? 'Export masks to…' : 'Export run card to…', buttonLabel: 'Export here', properties: ['openDirectory', 'createDirectory'] as ('openDirectory' | 'createDirectory')[] };
  const result = window ? await dialog.showOpenDialog(window, options) : await dialog.showOpenDialog(options);
  return result.canceled ? null : (result.filePaths[0] ?? null);
}

function createMainWindow(): BrowserWindow {
  const window = new BrowserWindow({
    width: 1400,
    height: 900,
    title: 'Floodlens',
    webPreferences: {
      preload: join(import.meta.dirname, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
    },
  });
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  window.webContents.on('will-navigate', (event) => event.preventDefault());
  if (process.env.ELECTRON_RENDERER_URL) void window.loadURL(process.env.ELECTRON_RENDERER_URL);
  else void window.loadFile(join(import.meta.dirname, '../renderer/index.html'));
  return window;
}

app.whenReady().then(() => {
  const service = new EngineService({
    demoWorkspace: demoWorkspacePath(),
    workspaceDir: join(app.getPath('userData'), 'workspace'),
    exportTarget: { kind: 'dialog', choose: chooseExportFolder },
  });
  service.onEvent((event) => {
    for (const window of BrowserWindow.getAllWindows()) if (!window.webContents.isDestroyed()) window.webContents.send(IPC_EVENT_CHANNEL, event);
  });
  app.on('before-quit', () => void service.close());
  ipcMain.handle(IPC_REQUEST_CHANNEL, async (event, name: unknown, payload: unknown) => {
    if (event.senderFrame?.url && !event.senderFrame.url.startsWith('file://') && !process.env.ELECTRON_RENDERER_URL) {
      throw new Error('request from an unexpected frame');
    }
    return service.handle(String(name), payload);
  });
  Menu.setApplicationMenu(buildApplicationMenu());
  createMainWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createMainWindow();
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
