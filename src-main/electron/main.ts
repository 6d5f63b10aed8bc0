import { app, BrowserWindow, ipcMain, Menu, shell } from 'electron';
import { join, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { EngineService } from '../engine/service.ts';
import { IPC_REQUEST_CHANNEL } from './ipc-channels.ts';
import { buildApplicationMenu } from './menu.ts';

function demoWorkspacePath(): string | null {
  const flagIndex = process.argv.indexOf('--workspace');
  const candidates = [
    flagIndex >= 0 ? resolve(process.argv[flagIndex + 1] ?? '') : null,
    app.isPackaged ? join(process.resourcesPath, 'demo') : resolve(app.getAppPath(), 'resources/demo'),
  ];
  return candidates.find((path): path is string => path !== null && existsSync(path)) ?? null;
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
  const service = new EngineService({ demoWorkspace: demoWorkspacePath() });
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
