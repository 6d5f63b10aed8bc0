import { resolve } from 'node:path';
import { defineConfig, externalizeDepsPlugin } from 'electron-vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// main and preload run in Node/Electron; the renderer is a plain browser bundle that the
// headless server (`floodlens serve`) also serves, so it must not depend on Electron.
export default defineConfig({
  main: {
    plugins: [externalizeDepsPlugin()],
    build: {
      outDir: 'out/main',
      rollupOptions: {
        input: {
          index: resolve('src-main/electron/main.ts'),
          // The engine's worker thread (see src-main/engine/jobs/worker-host.ts).
          'engine-worker': resolve('src-main/engine/jobs/worker-entry.ts'),
          // Data-parallel training's gradient workers (see src-main/engine/training/gradient-pool.ts).
          'gradient-worker': resolve('src-main/engine/training/gradient-worker.ts'),
        },
      },
    },
  },
  preload: {
    plugins: [externalizeDepsPlugin()],
    build: {
      outDir: 'out/preload',
      // Sandboxed preloads must be CommonJS.
      rollupOptions: { input: { index: resolve('src-main/electron/preload.ts') }, output: { format: 'cjs', entryFileNames: '[name].cjs' } },
    },
  },
  renderer: {
    root: 'src-renderer',
    plugins: [svelte()],
    build: {
      outDir: 'out/renderer',
      rollupOptions: { input: { index: resolve('src-renderer/index.html') } },
    },
  },
});
