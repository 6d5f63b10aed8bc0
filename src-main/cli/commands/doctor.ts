import { createRequire } from 'node:module';
import type { CliCommand } from '../command.ts';
import { assertKnownOptions, option, parseArgs } from '../args.ts';
import { BACKEND_ORDER, initBackend, type BackendChoice } from '../../engine/compute/backend.ts';
import { REGISTERED_WASM_KERNELS } from '../../engine/compute/wasm-kernels.ts';
import { floodlensVersion } from '../../engine/versions.ts';

function electronVersion(): string | null {
  if (process.versions.electron) return process.versions.electron;
  try {
    const pkg = createRequire(import.meta.url)('electron/package.json') as { version?: string };
    return pkg.version ? `${pkg.version} (installed, not running)` : null;
  } catch {
    return null;
  }
}

export const doctorCommand: CliCommand = {
  path: ['doctor'],
  summary: 'Show versions and the compute backend chosen (and why faster ones were skipped)',
  usage: 'Usage: floodlens doctor [--backend node-gpu|webgpu|node|wasm|cpu] [--json]\n  (FLOODLENS_BACKEND=... forces a backend too)',
  async run(argv, io) {
    const args = parseArgs(argv, ['json']);
    assertKnownOptions(args, ['backend', 'json']);
    const forced = option(args, 'backend');
    if (forced !== undefined && !BACKEND_ORDER.includes(forced as BackendChoice)) {
      io.stderr(`floodlens doctor: --backend must be one of ${BACKEND_ORDER.join(', ')}\n`);
      return 2;
    }
    const info = await initBackend({ force: forced as BackendChoice | undefined });
    const report = {
      floodlens: floodlensVersion,
      node: process.version,
      electron: electronVersion(),
      platform: `${process.platform}-${process.arch}`,
      tfjs: info.tfjsVersion,
      backend: info.backend,
      device: info.device,
      adapter: info.adapter,
      forced: info.forced ?? null,
      skipped: info.skipped,
      customKernels: info.backend === 'wasm' ? [...REGISTERED_WASM_KERNELS] : [],
    };
    if (args.flags.has('json')) {
      io.stdout(JSON.stringify(report, null, 2) + '\n');
      return 0;
    }
    const lines = [
      `floodlens ${report.floodlens}`,
      `node      ${report.node}`,
      `electron  ${report.electron ?? 'not installed'}`,
      `platform  ${report.platform}`,
      `tfjs      ${report.tfjs}`,
      `backend   ${report.backend}${report.forced ? ' (forced)' : ''}`,
      `device    ${report.device}`,
      ...(report.adapter
        ? [
            `adapter   ${report.adapter.description} — vendor ${report.adapter.vendor}, architecture ${report.adapter.architecture}, device ${report.adapter.device}${report.adapter.software ? ' (software)' : ''}`,
            `limits    maxBufferSize ${report.adapter.maxBufferSize}, maxStorageBufferBindingSize ${report.adapter.maxStorageBufferBindingSize}`,
          ]
        : []),
      ...report.skipped.map((s) => `skipped   ${s.name}: ${s.reason}`),
    ];
    if (report.customKernels.length) lines.push(`kernels   wasm overrides: ${report.customKernels.join(', ')}`);
    io.stdout(lines.join('\n') + '\n');
    return 0;
  },
};
