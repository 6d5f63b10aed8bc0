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

const importPattern =
  /(?:^|[^\w.])(?:import|export)\s+(?:type\s+)?(?:[^'"`;]*?\s+from\s+)?['"]([^'"]+)['"]|(?:import|require)\s*\(\s*['"]([^'"]+)['"]\s*\)/g;

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

/**
 * The engine's folders, bottom to top (docs/ARCHITECTURE.md). A folder imports only from folders in a lower tier, or
 * from itself; files directly in src-main/engine are named with their extension. A new folder must be added here.
 */
export const engineRank: readonly (readonly string[])[] = [
  ['fs', 'compute', 'versions.ts'],
  ['geo', 'torch', 'tensor-file', 'weights', 'metrics', 'models', 'export'],
  ['dataset', 'clay', 'vector'],
  ['preview', 'embedding'],
  ['inputs'],
  ['run'],
  ['training', 'evaluation', 'prediction', 'scene'],
  ['probe', 'cv'],
  ['jobs'],
  ['workspace'],
  ['service.ts'],
];

const engineRoot = 'src-main/engine';

/** `training` for src-main/engine/training/trainer.ts, `service.ts` for src-main/engine/service.ts. */
export function engineUnitOf(root: string, file: string): string | null {
  const rel = relative(resolve(root, engineRoot), file).split(sep);
  if (rel[0] === '..' || rel[0] === '') return null;
  return rel[0];
}

function tierOf(unit: string): number {
  return engineRank.findIndex((tier) => tier.includes(unit));
}

function unrankedReason(unit: string): string {
  return (
    `engine folder "${unit}" has no rank: add it to engineRank in test/architecture/layers.ts (and the table in ` +
    'docs/ARCHITECTURE.md) in a tier above every engine folder it imports and below every folder that imports it'
  );
}

/** Every import between engine folders that does not go strictly down the rank, and every engine folder without a rank. */
export function findEngineRankViolations(root: string): Violation[] {
  const violations: Violation[] = [];
  const unranked = new Set<string>();
  for (const file of sourceFiles(resolve(root, engineRoot))) {
    const unit = engineUnitOf(root, file)!;
    if (tierOf(unit) < 0) {
      if (!unranked.has(unit)) violations.push({ file: `${engineRoot}/${unit}`, specifier: '', reason: unrankedReason(unit) });
      unranked.add(unit);
      continue;
    }
    for (const specifier of importsOf(readFileSync(file, 'utf8'))) {
      if (!specifier.startsWith('.')) continue;
      const target = engineUnitOf(root, resolve(dirname(file), specifier));
      if (target === null || target === unit) continue;
      const reason =
        tierOf(target) < 0
          ? unrankedReason(target)
          : tierOf(target) < tierOf(unit)
            ? null
            : `engine/${unit} (tier ${tierOf(unit)}) must not import engine/${target} (tier ${tierOf(target)}): imports go down the rank only`;
      if (reason) violations.push({ file: relative(root, file), specifier, reason });
    }
  }
  return violations;
}

/** Groups of engine folders that import each other in a ring (Tarjan's strongly connected components, size > 1). */
export function engineFolderCycles(root: string): string[][] {
  const edges = new Map<string, Set<string>>();
  for (const file of sourceFiles(resolve(root, engineRoot))) {
    const unit = engineUnitOf(root, file)!;
    if (!edges.has(unit)) edges.set(unit, new Set());
    for (const specifier of importsOf(readFileSync(file, 'utf8'))) {
      if (!specifier.startsWith('.')) continue;
      const target = engineUnitOf(root, resolve(dirname(file), specifier));
      if (target !== null && target !== unit) edges.get(unit)!.add(target);
    }
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (stack.includes(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        component.push(w);
      } while (w !== v);
      if (component.length > 1) cycles.push(component.sort());
    }
  };
  for (const v of edges.keys()) if (!index.has(v)) visit(v);
  return cycles;
}
