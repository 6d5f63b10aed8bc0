/**
 * sql.js (SQLite compiled to wasm) loaded from its own package folder: works from node_modules, under the CLI and in
 * the packaged Electron app, where electron-builder.yml keeps the .wasm outside the asar (asarUnpack).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import initSqlJs, { type SqlJsStatic } from 'sql.js';

let loading: Promise<SqlJsStatic> | null = null;

/** A path inside app.asar → its app.asar.unpacked twin when that exists (electron-builder's asarUnpack). */
export function preferUnpacked(path: string, exists: (path: string) => boolean = existsSync): string {
  const unpacked = path.replace(/([\\/])app\.asar([\\/])/, '$1app.asar.unpacked$2');
  return unpacked !== path && exists(unpacked) ? unpacked : path;
}

/** Path of sql-wasm.wasm; inside a packaged app the unpacked copy beside app.asar. */
export function sqlWasmPath(): string {
  return preferUnpacked(createRequire(import.meta.url).resolve('sql.js/dist/sql-wasm.wasm'));
}

export function loadSqlite(): Promise<SqlJsStatic> {
  if (!loading) {
    const binary = readFileSync(sqlWasmPath());
    loading = initSqlJs({ wasmBinary: binary.buffer.slice(binary.byteOffset, binary.byteOffset + binary.byteLength) as ArrayBuffer });
    loading.catch(() => (loading = null));
  }
  return loading;
}
