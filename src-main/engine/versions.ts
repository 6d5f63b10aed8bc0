import { readFileSync } from 'node:fs';

export const floodlensVersion: string = (() => {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
})();

export function engineVersions(tfjsVersion: string) {
  return { floodlens: floodlensVersion, tfjs: tfjsVersion, node: process.version, platform: `${process.platform}-${process.arch}` };
}
