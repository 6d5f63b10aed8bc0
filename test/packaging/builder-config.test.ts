/**
 * electron-builder.yml can't be exercised here (packaging downloads the Electron zip), so it is checked:
 * valid against electron-builder's own schema, the four installer targets, every file it names present
 * after `electron-vite build` (npm test builds first), and the tfjs binaries kept outside the asar.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aboutText, bundledLicences } from '../../src-main/electron/about/licenses.ts';
import { repoRoot } from '../helpers/shared.ts';
import { preferUnpacked, sqlWasmPath } from '../../src-main/engine/vector/sqlite-wasm.ts';

const require = createRequire(import.meta.url);
const yaml = require('js-yaml') as { load(text: string): unknown };
const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
  validateConfiguration(config: unknown, debug: { add(key: string, value: unknown): void; isEnabled: boolean }): Promise<void>;
};

interface BuilderConfig {
  appId: string;
  productName: string;
  directories: { output: string; buildResources: string };
  files: string[];
  extraResources: { from: string; to: string }[];
  asar: boolean;
  asarUnpack: string[];
  icon: string;
  linux: { target: string[]; icon: string; files: string[] };
  win: { target: string[]; icon: string; files: string[] };
  mac: { target: string[]; icon: string; files: string[] };
}

const config = yaml.load(readFileSync(join(repoRoot, 'electron-builder.yml'), 'utf8')) as BuilderConfig;
const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
  main: string;
  version: string;
  license: string;
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const built = existsSync(join(repoRoot, 'out/main/index.js'));

/** electron-builder's glob subset: `**` any depth, `*` within one path segment. */
function globRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      source += '.*';
      i++;
    } else if (c === '*') source += '[^/]*';
    else source += c.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(repoRoot, join(entry.parentPath, entry.name)).split('\\').join('/'));
}

function pngSize(file: string): [number, number] {
  const bytes = readFileSync(file);
  expect(bytes.subarray(1, 4).toString('ascii')).toBe('PNG');
  return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
}

describe('electron-builder.yml', () => {
  it("passes electron-builder's own configuration schema", async () => {
    await expect(validateConfiguration(config, { add: () => undefined, isEnabled: false })).resolves.toBeUndefined();
  });

  it('builds AppImage + deb on Linux, NSIS on Windows, dmg on macOS, via `npm run dist`', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.win.target).toEqual(['nsis']);
    expect(config.mac.target).toEqual(['dmg']);
    expect(pkg.scripts.dist).toMatch(/electron-vite build && electron-builder/);
    expect(pkg.dependencies.electron).toBeUndefined(); // electron-builder requires it as a devDependency
    expect(pkg.devDependencies.electron).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('packs the built app and package.json, and the demo workspace as a resource where main.ts looks for it', () => {
    expect(config.files).toEqual(['out/**', 'package.json']);
    expect(config.extraResources).toEqual([{ from: 'resources/demo', to: 'demo' }]);
    expect(existsSync(join(repoRoot, 'resources/demo/ATTRIBUTION.md'))).toBe(true);
    expect(filesUnder(join(repoRoot, 'resources/demo')).filter((f) => f.endsWith('.tif')).length).toBeGreaterThan(0);
    expect(readFileSync(join(repoRoot, 'src-main/electron/main.ts'), 'utf8')).toContain("join(process.resourcesPath, 'demo')");
  });

  it.skipIf(!built)('every file and glob it names exists after `electron-vite build`', () => {
    for (const glob of config.files) {
      const re = globRegExp(glob);
      const matches = glob === 'package.json' ? ['package.json'] : filesUnder(join(repoRoot, glob.split('/')[0])).filter((f) => re.test(f));
      expect(matches.length, glob).toBeGreaterThan(0);
    }
    // What package.json and the main process load at run time is among the packed files.
    for (const needed of [
      pkg.main,
      'out/main/engine-worker.js',
      'out/main/gradient-worker.js',
      'out/preload/index.cjs',
      'out/renderer/index.html',
    ]) {
      expect(existsSync(join(repoRoot, needed)), needed).toBe(true);
      expect(
        config.files.some((glob) => globRegExp(glob).test(needed)),
        needed,
      ).toBe(true);
    }
    for (const path of [
      config.icon,
      config.linux.icon,
      config.win.icon,
      config.mac.icon,
      config.directories.buildResources,
      ...config.extraResources.map((r) => r.from),
    ]) {
      expect(existsSync(join(repoRoot, path)), path).toBe(true);
    }
  });

  it('keeps the tfjs wasm binaries and native tfjs-node builds outside the asar archive', () => {
    expect(config.asar).toBe(true);
    const wasm = filesUnder(join(repoRoot, 'node_modules/@tensorflow/tfjs-backend-wasm/dist')).filter((f) => f.endsWith('.wasm'));
    expect(wasm.length).toBeGreaterThanOrEqual(3);
    for (const file of wasm)
      expect(
        config.asarUnpack.some((glob) => globRegExp(glob).test(file)),
        file,
      ).toBe(true);
    for (const file of [
      'node_modules/@tensorflow/tfjs-node/lib/napi-v8/tfjs_binding.node',
      'node_modules/@tensorflow/tfjs-node-gpu/deps/lib/libtensorflow.so.2',
    ]) {
      expect(
        config.asarUnpack.some((glob) => globRegExp(glob).test(file)),
        file,
      ).toBe(true);
    }
    expect(config.asarUnpack.some((glob) => globRegExp(glob).test('node_modules/@tensorflow/tfjs-core/dist/index.js'))).toBe(false);
  });

  it("unpacks Dawn's dawn.node (WebGPU) from the asar for each OS, and ships each OS only its own", () => {
    const dawnDir = join(repoRoot, 'node_modules/webgpu/dist');
    const builds = { linux: ['linux-x64', 'linux-arm64'], win: ['win32-x64', 'win32-arm64'], mac: ['darwin-universal'] } as const;
    const unpacked = (file: string) => config.asarUnpack.some((glob) => globRegExp(glob).test(file));
    const excluded = (os: keyof typeof builds, file: string) =>
      config[os].files.some((glob) => glob.startsWith('!') && globRegExp(glob.slice(1)).test(file));
    for (const [os, dirs] of Object.entries(builds) as [keyof typeof builds, readonly string[]][]) {
      for (const dir of dirs) {
        const files = filesUnder(join(dawnDir, dir));
        expect(files, `node_modules/webgpu/dist/${dir}/dawn.node`).toContain(`node_modules/webgpu/dist/${dir}/dawn.node`);
        // Windows' dawn.node loads d3dcompiler_47.dll and dxcompiler.dll from beside it: unpacked together.
        for (const file of files) expect(unpacked(file), file).toBe(true);
        for (const file of files) expect(excluded(os, file), `${os} ships ${file}`).toBe(false);
        for (const other of Object.keys(builds).filter((o) => o !== os) as (keyof typeof builds)[]) {
          for (const file of files) expect(excluded(other, file), `${other} must not ship ${file}`).toBe(true);
        }
      }
    }
    expect(filesUnder(join(dawnDir, 'win32-x64'))).toContain('node_modules/webgpu/dist/win32-x64/dxcompiler.dll');
    expect(unpacked('node_modules/webgpu/index.js')).toBe(false);
  });

  it('keeps the sql.js wasm (GeoPackage writer) outside the asar, where sqlite-wasm.ts looks for it', () => {
    const wasm = relative(repoRoot, sqlWasmPath()).split('\\').join('/');
    expect(wasm).toBe('node_modules/sql.js/dist/sql-wasm.wasm');
    expect(
      config.asarUnpack.some((glob) => globRegExp(glob).test(wasm)),
      wasm,
    ).toBe(true);
    // Inside a packaged app the module resolves under app.asar; the unpacked copy beside it is what must load.
    const packed = '/opt/Floodlens/resources/app.asar/node_modules/sql.js/dist/sql-wasm.wasm';
    const unpacked = '/opt/Floodlens/resources/app.asar.unpacked/node_modules/sql.js/dist/sql-wasm.wasm';
    expect(preferUnpacked(packed, (path) => path === unpacked)).toBe(unpacked);
    expect(preferUnpacked(packed, () => false)).toBe(packed);
    expect(pkg.dependencies['sql.js']).toBeDefined();
  });

  it('has a 512×512 PNG app icon in resources/', () => {
    expect(config.icon).toBe('resources/icon.png');
    expect(pngSize(join(repoRoot, config.icon))).toEqual([512, 512]);
    expect(statSync(join(repoRoot, config.icon)).size).toBeGreaterThan(1000);
  });
});

describe('About box', () => {
  it('shows the version and the licence of the app and of every shipped package', () => {
    const licences = bundledLicences(repoRoot);
    expect(licences.app).toEqual({ name: 'floodlens', version: pkg.version, license: pkg.license });
    const installed = Object.keys(pkg.dependencies).filter((name) => existsSync(join(repoRoot, 'node_modules', name, 'package.json')));
    expect(licences.packages.map((p) => p.name)).toEqual(expect.arrayContaining(installed));
    for (const p of licences.packages) expect(p.license, p.name).toMatch(/^[A-Za-z0-9.+\-() ]+$/);
    const { message, detail } = aboutText(licences, { electron: '41.7.1', chromium: '140', node: '20' });
    expect(message).toBe(`Floodlens ${pkg.version}`);
    expect(detail).toContain(`Version ${pkg.version} · ${pkg.license} licence`);
    expect(detail).toMatch(/geotiff \S+ — MIT/);
    expect(detail).toContain('CC BY 4.0');
  });
});
