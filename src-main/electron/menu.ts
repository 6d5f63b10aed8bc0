/** The native application menu. File › Open dataset… asks for a folder and tells the renderer; Help › About shows version and licences. */
import { app, BrowserWindow, dialog, Menu, type MenuItemConstructorOptions } from 'electron';
import type { EventEnvelope } from '../api/contract.ts';
import { OPEN_DATASET_EVENT } from '../api/ui-events.ts';
import { aboutText, bundledLicences } from './about/licenses.ts';
import { IPC_EVENT_CHANNEL } from './ipc-channels.ts';

async function openDataset(window: BrowserWindow | undefined): Promise<void> {
  const target = window ?? BrowserWindow.getAllWindows()[0];
  if (!target) return;
  const result = await dialog.showOpenDialog(target, {
    title: 'Open dataset',
    buttonLabel: 'Open dataset',
    message: 'Choose a folder of GeoTIFF chips (Sen1Floods11, C2S-MS Floods, datacubes, or with a floodlens-manifest.json)',
    properties: ['openDirectory'],
  });
  const dir = result.filePaths[0];
  if (result.canceled || !dir) return;
  const event: EventEnvelope = { event: OPEN_DATASET_EVENT, payload: { dir } };
  target.webContents.send(IPC_EVENT_CHANNEL, event);
}

async function showAbout(window: BrowserWindow | undefined): Promise<void> {
  const { message, detail } = aboutText(bundledLicences(app.getAppPath()), {
    electron: process.versions.electron ?? '?',
    chromium: process.versions.chrome ?? '?',
    node: process.versions.node,
  });
  const options = { type: 'info' as const, title: 'About Floodlens', message, detail, buttons: ['OK'] };
  if (window) await dialog.showMessageBox(window, options);
  else await dialog.showMessageBox(options);
}

export function buildApplicationMenu(): Menu {
  const about: MenuItemConstructorOptions = { label: 'About Floodlens', click: (_item, window) => void showAbout(window as BrowserWindow | undefined) };
  const file: MenuItemConstructorOptions = {
    label: 'File',
    submenu: [
      { label: 'Open dataset…', accelerator: 'CmdOrCtrl+O', click: (_item, window) => void openDataset(window as BrowserWindow | undefined) },
      { type: 'separator' },
      process.platform === 'darwin' ? { role: 'close' } : { role: 'quit' },
    ],
  };
  const template: MenuItemConstructorOptions[] = [file, { role: 'editMenu' }, { role: 'viewMenu' }, { role: 'windowMenu' }, { role: 'help', submenu: [about] }];
  // macOS puts About in the app menu.
  if (process.platform === 'darwin') template.unshift({ label: app.name, submenu: [about, { type: 'separator' }, { role: 'quit' }] });
  return Menu.buildFromTemplate(template);
}
