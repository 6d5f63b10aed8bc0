/**
 * The native application menu. File › Open dataset… asks for a folder and tells the renderer; Export masks…
 * asks the renderer to export the compared runs (the folder dialog follows); Load Clay checkpoint… opens the
 * checkpoint file dialog in main; Help › About shows version and licences.
 */
import { app, BrowserWindow, dialog, Menu, type MenuItemConstructorOptions } from 'electron';
import type { EventEnvelope } from '../api/contract.ts';
import { EXPORT_MASKS_EVENT, OPEN_DATASET_EVENT } from '../api/ui-events.ts';
import { aboutText, bundledLicences } from './about/licenses.ts';
import { IPC_EVENT_CHANNEL } from './ipc-channels.ts';

export interface MenuActions {
  /** The folder the Open dataset dialog starts in (the last one opened). */
  lastDatasetDir(): string | null;
  /** File › Load Clay checkpoint…: the engine's `encoders.load` (native dialog, then the renderer is told). */
  loadCheckpoint(): Promise<unknown>;
}

function sendToRenderer(window: BrowserWindow | undefined, event: EventEnvelope): void {
  const target = window ?? BrowserWindow.getAllWindows()[0];
  if (target && !target.webContents.isDestroyed()) target.webContents.send(IPC_EVENT_CHANNEL, event);
}

async function openDataset(window: BrowserWindow | undefined, actions: MenuActions): Promise<void> {
  const target = window ?? BrowserWindow.getAllWindows()[0];
  if (!target) return;
  const result = await dialog.showOpenDialog(target, {
    title: 'Open dataset',
    defaultPath: actions.lastDatasetDir() ?? undefined,
    buttonLabel: 'Open dataset',
    message: 'Choose a folder of GeoTIFF chips (Sen1Floods11, C2S-MS Floods, datacubes, or with a floodlens-manifest.json)',
    properties: ['openDirectory'],
  });
  const dir = result.filePaths[0];
  if (result.canceled || !dir) return;
  sendToRenderer(target, { event: OPEN_DATASET_EVENT, payload: { dir } });
}

async function loadCheckpoint(window: BrowserWindow | undefined, actions: MenuActions): Promise<void> {
  try {
    await actions.loadCheckpoint();
  } catch (error) {
    const options = {
      type: 'error' as const,
      title: 'Load Clay checkpoint',
      message: 'The checkpoint could not be loaded.',
      detail: (error as Error).message,
    };
    if (window) await dialog.showMessageBox(window, options);
    else await dialog.showMessageBox(options);
  }
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

export function buildApplicationMenu(actions: MenuActions): Menu {
  const about: MenuItemConstructorOptions = {
    label: 'About Floodlens',
    click: (_item, window) => void showAbout(window as BrowserWindow | undefined),
  };
  const file: MenuItemConstructorOptions = {
    label: 'File',
    submenu: [
      {
        label: 'Open dataset…',
        accelerator: 'CmdOrCtrl+O',
        click: (_item, window) => void openDataset(window as BrowserWindow | undefined, actions),
      },
      {
        label: 'Export masks…',
        accelerator: 'CmdOrCtrl+E',
        click: (_item, window) => sendToRenderer(window as BrowserWindow | undefined, { event: EXPORT_MASKS_EVENT, payload: {} }),
      },
      { type: 'separator' },
      { label: 'Load Clay checkpoint…', click: (_item, window) => void loadCheckpoint(window as BrowserWindow | undefined, actions) },
      { type: 'separator' },
      process.platform === 'darwin' ? { role: 'close' } : { role: 'quit' },
    ],
  };
  const template: MenuItemConstructorOptions[] = [
    file,
    { role: 'editMenu' },
    { role: 'viewMenu' },
    { role: 'windowMenu' },
    { role: 'help', submenu: [about] },
  ];
  // macOS puts About in the app menu.
  if (process.platform === 'darwin') template.unshift({ label: app.name, submenu: [about, { type: 'separator' }, { role: 'quit' }] });
  return Menu.buildFromTemplate(template);
}
