/** The About box's text: version, runtimes, and the licence of the app and of every package it ships. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface PackageLicence {
  name: string;
  version: string;
  license: string;
}

interface PackageJson {
  name?: string;
  version?: string;
  license?: unknown;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

function readPackageJson(file: string): PackageJson | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as PackageJson;
  } catch {
    return null;
  }
}

function licenceText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && 'type' in value && typeof value.type === 'string') return value.type;
  return 'see the package';
}

/** The runtime dependencies declared in `<appRoot>/package.json` with the licence each installed copy declares. */
export function bundledLicences(appRoot: string): { app: PackageLicence; packages: PackageLicence[] } {
  const manifest = readPackageJson(join(appRoot, 'package.json')) ?? {};
  const names = Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies }).sort();
  const packages: PackageLicence[] = [];
  for (const name of names) {
    const file = join(appRoot, 'node_modules', name, 'package.json');
    if (!existsSync(file)) continue; // an optional native backend not installed on this machine
    const pkg = readPackageJson(file);
    if (pkg) packages.push({ name, version: pkg.version ?? '?', license: licenceText(pkg.license) });
  }
  return {
    app: { name: manifest.name ?? 'floodlens', version: manifest.version ?? '?', license: licenceText(manifest.license) },
    packages,
  };
}

export interface AboutRuntimes {
  electron: string;
  chromium: string;
  node: string;
}

export function aboutText(licences: ReturnType<typeof bundledLicences>, runtimes: AboutRuntimes): { message: string; detail: string } {
  const lines = [
    `Version ${licences.app.version} · ${licences.app.license} licence`,
    `Electron ${runtimes.electron} · Chromium ${runtimes.chromium} · Node ${runtimes.node}`,
    '',
    'Open-source packages shipped with Floodlens:',
    ...licences.packages.map((p) => `  ${p.name} ${p.version} — ${p.license}`),
    '',
    'Basemap: Natural Earth (public domain). Online layers: © OpenStreetMap contributors (ODbL), Esri World Imagery (Esri terms).',
    'Demo chips: Sen1Floods11 and C2S-MS Floods (CC BY 4.0), modified Copernicus Sentinel data; see demo/ATTRIBUTION.md.',
  ];
  return { message: `Floodlens ${licences.app.version}`, detail: lines.join('\n') };
}
