/**
 * `npm run bench [-- --backend wasm,webgpu|all] [--workers N] [--sections a,b] [--json]`
 * Runs every registered section (sections.ts) on each backend asked for — one child process per backend,
 * since a process holds one backend — and prints a table, or with --json one JSON document on stdout
 * (progress goes to stderr). Nothing asserts a time; ratios are against PyTorch in the same run.
 *   --backend: names from the ladder (node-gpu, webgpu, node, wasm, cpu), each forced (so webgpu runs on a
 *   software adapter too: its rows carry the adapter), `all` = every rung; default: the ladder's choice.
 *   --workers N: the `parallel` and `train-workers` sections compare 1 and N workers (default: one per core).
 *   BENCH_STEPS=N timed steps per case (default 3).
 */
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BACKEND_ORDER, initBackend, type BackendChoice } from '../../src-main/engine/compute/backend.ts';
import { SECTIONS } from './sections.ts';
import type { BenchRow } from './section.ts';

interface BenchReport {
  startedAt: string;
  steps: number;
  backends: { name: string; device: string | null; adapter: unknown; skipped: { name: string; reason: string }[]; error?: string }[];
  rows: BenchRow[];
}

const { values } = parseArgs({
  options: {
    backend: { type: 'string' },
    workers: { type: 'string' },
    sections: { type: 'string' },
    json: { type: 'boolean' },
    child: { type: 'boolean' },
  },
});
const steps = Number(process.env.BENCH_STEPS ?? 3);
const workerCount = Number(values.workers ?? availableParallelism());
if (!Number.isInteger(workerCount) || workerCount < 1) throw new Error(`--workers must be a positive integer, got ${values.workers}`);
const log = (line: string) => process.stderr.write(line + '\n');

async function runHere(force: BackendChoice | undefined): Promise<BenchReport> {
  const backend = await initBackend({ force });
  log(`backend: ${backend.backend} — ${backend.device}`);
  for (const s of backend.skipped) log(`  skipped ${s.name}: ${s.reason}`);
  const picked = values.sections?.split(',');
  const rows: BenchRow[] = [];
  for (const section of SECTIONS.filter((s) => !picked || picked.includes(s.name))) {
    log(`section ${section.name}`);
    rows.push(...(await section.run({ backend, steps, workers: [...new Set([1, workerCount])], log })));
  }
  return {
    startedAt: new Date().toISOString(),
    steps,
    backends: [{ name: backend.backend, device: backend.device, adapter: backend.adapter, skipped: backend.skipped }],
    rows,
  };
}

/** One child per backend; a backend that cannot start gives an entry with its error and no rows. */
function runChildren(names: BackendChoice[]): BenchReport {
  const report: BenchReport = { startedAt: new Date().toISOString(), steps, backends: [], rows: [] };
  const script = fileURLToPath(import.meta.url);
  for (const name of names) {
    const args = ['--import', 'tsx', script, '--child', '--json', '--backend', name, '--workers', String(workerCount)];
    if (values.sections) args.push('--sections', values.sections);
    try {
      const child = JSON.parse(
        execFileSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 }),
      ) as BenchReport;
      report.backends.push(...child.backends);
      report.rows.push(...child.rows);
    } catch (error) {
      const message =
        error instanceof Error ? (error.message.split('\n').find((l) => /unavailable|Error/.test(l)) ?? error.message) : String(error);
      log(`backend ${name}: ${message}`);
      report.backends.push({ name, device: null, adapter: null, skipped: [], error: message });
    }
  }
  return report;
}

function printTable(report: BenchReport): void {
  for (const b of report.backends) console.log(`${b.name}: ${b.device ?? b.error}`);
  const keys = [...new Set(report.rows.flatMap((r) => Object.keys(r)))];
  const table = [keys, ...report.rows.map((r) => keys.map((k) => String(r[k] ?? '')))];
  const widths = keys.map((_, i) => Math.max(...table.map((r) => r[i].length)));
  console.log(
    '\n' + table.map((r) => r.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ')).join('\n'),
  );
  console.log(
    '\nratio = our time / PyTorch time in this run (lower is better); speedup = 1-worker time per sample / N-worker time per sample.',
  );
}

const requested = values.backend?.split(',');
let report: BenchReport;
if (!requested || (requested.length === 1 && requested[0] !== 'all')) {
  report = await runHere(requested?.[0] as BackendChoice | undefined);
} else {
  const names = requested.includes('all') ? [...BACKEND_ORDER] : (requested as BackendChoice[]);
  for (const n of names) if (!BACKEND_ORDER.includes(n)) throw new Error(`--backend ${n} is not one of ${BACKEND_ORDER.join(', ')}, all`);
  report = runChildren(names);
}
if (values.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
else printTable(report);
