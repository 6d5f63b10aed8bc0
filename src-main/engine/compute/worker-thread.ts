/**
 * Worker threads of the engine: how one starts (TypeScript entry through tsx when running from source, the
 * bundle electron-vite emits when packaged), how many to use, and how work is cut between them.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/** One thread per core: wasm and cpu run one thread per worker under Node. */
export const defaultWorkers = (): number => Math.max(1, availableParallelism());

/** Contiguous ranges of `items`, one per worker, sizes differing by at most one (the first ones are the smaller). */
export function splitEvenly<T>(items: readonly T[], parts: number): T[][] {
  const count = Math.max(1, Math.min(parts, items.length));
  return Array.from({ length: count }, (_, k) =>
    items.slice(Math.floor((k * items.length) / count), Math.floor(((k + 1) * items.length) / count)),
  );
}

/**
 * Starts a worker thread on an engine entry module: `sourceEntry` (a `.ts` URL beside the caller) when running
 * from source, else the bundle `<bundleName>.js` electron-vite emits beside the main bundle (see electron.vite.config.ts).
 */
export function startEngineThread(sourceEntry: URL, bundleName: string, workerData: object = {}): Worker {
  // geotiff.js pulls in the `web-worker` package, which reads `workerData.mod` in any worker thread
  // and crashes when workerData is undefined: always pass an object.
  const options = { workerData };
  if (fileURLToPath(import.meta.url).endsWith('.ts')) {
    // Node 20 does not apply `--import tsx` inside workers: load the TypeScript entry through tsx's API.
    const tsxApi = import.meta.resolve('tsx/esm/api');
    const entry = sourceEntry.href;
    const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => tsx.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(entry)}));`;
    return new Worker(bootstrap, { ...options, eval: true });
  }
  // Bundled: this code sits in out/main/ or in out/main/chunks/, beside or below the worker bundles.
  const candidates = [`./${bundleName}.js`, `../${bundleName}.js`].map((path) => fileURLToPath(new URL(path, import.meta.url)));
  const bundled = candidates.find((path) => existsSync(path));
  if (!bundled) throw new Error(`engine worker bundle missing: looked for ${candidates.join(', ')}`);
  return new Worker(bundled, options);
}
