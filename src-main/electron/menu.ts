/** The native application menu. File › Open dataset… asks for a folder and tells the renderer. */
import { BrowserWindow, dialog, Menu, type MenuItemConstructorOptions } from 'electron';
import type { EventEnvelope } from '../api/contract.ts';
import { OPEN_DATASET_EVENT } from '../api/ui-events.ts';
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

export function buildApplicationMenu(): Menu {
  const file: MenuItemConstructorOptions = {
    label: 'File',
    submenu: [
      { label: 'Open dataset…', accelerator: 'CmdOrCtrl+O', click: (_item, window) => void openDataset(window as BrowserWindow | undefined) },
      { type: 'separator' },
      process.platform === 'darwin' ? { role: 'close' } : { role: 'quit' },
    ],
  };
  return Menu.buildFromTemplate([file, { role: 'editMenu' }, { role: 'viewMenu' }, { role: 'windowMenu' }]);
}
