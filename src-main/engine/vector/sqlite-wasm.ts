/**
 * sql.js (SQLite compiled to wasm) loaded from its own package folder: works from node_modules, under the CLI and in
 * the packaged Electron app, where electron-builder.yml keeps the .wasm outside the asar (asarUnpack).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import initSqlJs, { type SqlJsStatic } from 'sql.js';

let loading: Promise<SqlJsStatic> | null = null;

/** Path of sql-wasm.wasm; inside a packaged app the unpacked copy beside app.asar. */
export function sqlWasmPath(): string {
  const path = createRequire(import.meta.url).resolve('sql.js/dist/sql-wasm.wasm');
  const unpacked = path.replace(/([\\/])app\.asar([\\/])/, '$1app.asar.unpacked$2');
  return unpacked !== path && existsSync(unpacked) ? unpacked : path;
}

export function loadSqlite(): Promise<SqlJsStatic> {
  if (!loading) {
    const binary = readFileSync(sqlWasmPath());
    loading = initSqlJs({ wasmBinary: binary.buffer.slice(binary.byteOffset, binary.byteOffset + binary.byteLength) as ArrayBuffer });
    loading.catch(() => (loading = null));
  }
  return loading;
}
