/**
 * Memory at scale: builds a Sen1Floods11-layout dataset of N chips by hard-linking real chips under
 * unique ids, and measures the peak RSS (VmHWM) of one CLI process per measurement. Shared by
 * scripts/scale.ts (200 vs 2,000 chips) and test/robustness/scale.test.ts (small N in CI).
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(import.meta.dirname, '../..');

/** Real chips to copy: the 512×512 demo chips, or the 64×64 crops in test/fixtures (fast, for CI). */
export const CHIP_SOURCES = {
  demo: {
    dir: join(repoRoot, 'resources/demo/sen1floods11'),
    ids: ['India_900498', 'Nigeria_812045', 'Pakistan_849790', 'Spain_7370579'],
    kinds: ['S1Hand', 'LabelHand'],
  },
  fixtures: { dir: join(repoRoot, 'test/fixtures/data/sen1floods11'), ids: ['Spain_7370579'], kinds: ['S1Hand', 'S2Hand', 'LabelHand'] },
} as const;
export type ChipSourceName = keyof typeof CHIP_SOURCES;

/** `<root>/<N>/` with N chips `Country_<id><index>_{S1Hand,LabelHand}.tif` (hard links; copies across devices). */
export function buildScaledDataset(root: string, chips: number, source: ChipSourceName): string {
  const { dir, ids, kinds } = CHIP_SOURCES[source];
  const out = join(root, `${source}-${chips}`);
  if (existsSync(out)) return out;
  mkdirSync(out, { recursive: true });
  for (let i = 0; i < chips; i++) {
    const id = ids[i % ids.length];
    const [country, number] = id.split('_');
    for (const kind of kinds) {
      const from = join(dir, `${id}_${kind}.tif`);
      const to = join(out, `${country}_${number}${String(i).padStart(5, '0')}_${kind}.tif`);
      try {
        linkSync(from, to);
      } catch {
        copyFileSync(from, to);
      }
    }
  }
  return out;
}

export interface PeakMeasurement {
  label: string;
  chips: number;
  peakRssBytes: number;
  seconds: number;
  code: number | null;
  stderrTail: string;
}

function vmHwmBytes(pid: number): number | null {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null; // exited
  }
}

/**
 * Runs `floodlens <args>` as one node process and samples its VmHWM (the kernel's peak RSS, which only
 * grows) until it exits; the last sample is the peak up to a few ms before exit.
 */
export function measurePeakRss(label: string, chips: number, args: string[], timeoutMs = 1_800_000): Promise<PeakMeasurement> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'src-main/cli/main.ts'), ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  let peak = 0;
  const sample = () => {
    const now = child.pid === undefined ? null : vmHwmBytes(child.pid);
    if (now !== null) peak = Math.max(peak, now);
  };
  const poll = setInterval(sample, 25);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolveRun) =>
    child.on('exit', (code) => {
      clearInterval(poll);
      clearTimeout(timer);
      resolveRun({
        label,
        chips,
        peakRssBytes: peak,
        seconds: (performance.now() - started) / 1000,
        code,
        stderrTail: stderr.slice(-1500),
      });
    }),
  );
}

export function scratchRoot(): string {
  return mkdtempSync(join(tmpdir(), 'floodlens-scale-'));
}

export function removeRoot(root: string): void {
  rmSync(root, { recursive: true, force: true });
}

/** The CLI arguments of the small scratch run (demo chips, 64-px crops, one epoch) that the scale checks evaluate. */
export function demoRunTrainArgs(runDir: string): string[] {
  return [
    'train',
    '--data',
    join(repoRoot, 'resources/demo'),
    '--model',
    'scratch',
    '--out',
    runDir,
    '--chip-size',
    '64',
    '--batch-size',
    '2',
    '--epochs',
    '1',
  ];
}

export const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
