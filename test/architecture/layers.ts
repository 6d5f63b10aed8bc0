import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** The layers of the app and what each may import (see docs/ARCHITECTURE.md). */
export type Layer = 'api' | 'engine' | 'electron' | 'server' | 'cli' | 'renderer';

const layerRoots: Record<Layer, string> = {
  api: 'src-main/api',
  engine: 'src-main/engine',
  electron: 'src-main/electron',
  server: 'src-main/server',
  cli: 'src-main/cli',
  renderer: 'src-renderer',
};

const allowedLayers: Record<Layer, Layer[]> = {
  api: ['api'],
  engine: ['api', 'engine'],
  electron: ['api', 'engine', 'electron'],
  server: ['api', 'engine', 'server'],
  cli: ['api', 'engine', 'server', 'cli'],
  renderer: ['api', 'renderer'],
};

/** Packages each layer may import besides its allowed layers; `null` means any package. */
const allowedPackages: Record<Layer, ((name: string) => boolean) | null> = {
  api: (name) => name === 'zod',
  engine: (name) => name !== 'electron',
  electron: null,
  server: (name) => name !== 'electron',
  cli: (name) => name !== 'electron',
  renderer: (name) => !isNodeBuiltin(name) && name !== 'electron',
};

function isNodeBuiltin(specifier: string): boolean {
  return specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0]);
}

export interface Violation {
  file: string;
  specifier: string;
  reason: string;
}

const importPattern = /(?:^|[^\w.])(?:import|export)\s+(?:type\s+)?(?:[^'"`;]*?\s+from\s+)?['"]([^'"]+)['"]|(?:import|require)\s*\(\s*['"]([^'"]+)['"]\s*\)/g;

export function importsOf(source: string): string[] {
  const found: string[] = [];
  for (const match of source.matchAll(importPattern)) found.push(match[1] ?? match[2]);
  return found;
}

function layerOf(root: string, file: string): Layer | null {
  const rel = relative(root, file).split(sep).join('/');
  for (const [layer, dir] of Object.entries(layerRoots) as [Layer, string][]) {
    if (rel === dir || rel.startsWith(dir + '/')) return layer;
  }
  return null;
}

function sourceFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|svelte)$/.test(name) ? [path] : [];
  });
}

/** Every import in the tree under `root` that crosses the layer rules. */
export function findLayerViolations(root: string): Violation[] {
  const violations: Violation[] = [];
  for (const [layer, dir] of Object.entries(layerRoots) as [Layer, string][]) {
    for (const file of sourceFiles(resolve(root, dir))) {
      for (const specifier of importsOf(readFileSync(file, 'utf8'))) {
        const reason = checkImport(root, layer, file, specifier);
        if (reason) violations.push({ file: relative(root, file), specifier, reason });
      }
    }
  }
  return violations;
}

function checkImport(root: string, layer: Layer, file: string, specifier: string): string | null {
  if (specifier.startsWith('.')) {
    const target = resolve(dirname(file), specifier);
    const targetLayer = layerOf(root, target);
    if (targetLayer === null) return `${layer} imports a file outside the layered source tree`;
    return allowedLayers[layer].includes(targetLayer) ? null : `${layer} must not import ${targetLayer}`;
  }
  const rule = allowedPackages[layer];
  if (rule && !rule(specifier)) return `${layer} must not import package "${specifier}"`;
  return null;
}
