/**
 * SIGKILL the CLI at seeded random moments during train / predict / embed and check that nothing is
 * lost: run.json always parses against RunRecordSchema, checkpoints are either the previous complete
 * file or a new complete file (checksums), truncated checkpoints are rejected, temp files are never
 * read, and `--resume` / a re-run finishes. Shared by test/robustness/kill.test.ts and scripts/kill-long.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { RunRecordSchema, type RunRecord } from '../../src-main/api/run.ts';
import { readBands } from '../../src-main/engine/geo/geotiff-file.ts';
import { TorchCheckpoint } from '../../src-main/engine/torch/checkpoint.ts';
import { readCheckpoint } from '../../src-main/engine/run/checkpoint-file.ts';
import { TensorFileError } from '../../src-main/engine/tensor-file/tensor-file.ts';

export const repoRoot = resolve(import.meta.dirname, '../..');
export const demoData = join(repoRoot, 'resources/demo');

/** mulberry32: the kill schedule is reproducible from the seed. */
export function seededRandom(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  killed: boolean;
  millis: number;
}

/** One node process (no npx wrapper), so SIGKILL hits the engine itself, worker threads included. */
export function spawnCli(args: string[]): { child: ChildProcess; done: Promise<CliRun> } {
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'src-main/cli/main.ts'), ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<CliRun>((resolveRun) =>
    child.on('exit', (code, signal) =>
      resolveRun({ code, signal, stdout, stderr, killed: signal === 'SIGKILL', millis: performance.now() - started }),
    ),
  );
  return { child, done };
}

/**
 * Runs the CLI and SIGKILLs it `killAfterMs` after it starts, or after its stderr first matches
 * `startOn` (so kills land in the work, not in the start-up, whatever the machine's speed), unless it
 * exits first.
 */
export async function runAndKill(args: string[], killAfterMs: number, startOn?: RegExp | ((stderr: string) => boolean)): Promise<CliRun> {
  const { child, done } = spawnCli(args);
  let timer: NodeJS.Timeout | undefined;
  const arm = () => (timer ??= setTimeout(() => child.kill('SIGKILL'), killAfterMs));
  if (!startOn) arm();
  else {
    const started = typeof startOn === 'function' ? startOn : (text: string) => startOn.test(text);
    let seen = '';
    child.stderr!.on('data', (d) => {
      seen = (seen + d).slice(-2000);
      if (started(seen)) arm();
    });
  }
  const result = await done;
  clearTimeout(timer);
  return result;
}

export async function runToEnd(args: string[], timeoutMs = 300_000): Promise<CliRun> {
  const result = await runAndKill(args, timeoutMs);
  if (result.killed) throw new Error(`floodlens ${args.join(' ')} did not finish within ${timeoutMs} ms\n${result.stderr.slice(-2000)}`);
  return result;
}

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

const CHECKPOINT_FILES = ['checkpoints/last.flck', 'checkpoints/best.flck', 'checkpoints/best.pt'];

export type Snapshot = Map<string, string>;

/** Checksums of the run's completed files (run.json and checkpoints) as they are now. */
export function snapshotRun(runDir: string): Snapshot {
  const snapshot: Snapshot = new Map();
  for (const file of ['run.json', ...CHECKPOINT_FILES]) {
    const path = join(runDir, file);
    if (existsSync(path)) snapshot.set(file, sha256(path));
  }
  return snapshot;
}

export interface RunCheck {
  record: RunRecord | null;
  lastEpoch: number | null;
  tempFiles: string[];
  changed: string[];
}

async function checkpointIsComplete(runDir: string, file: string): Promise<{ epoch: number | null }> {
  const path = join(runDir, file);
  if (file.endsWith('.pt')) {
    const checkpoint = await TorchCheckpoint.open(path);
    try {
      for (const { key } of checkpoint.tensors()) await checkpoint.readFloat32(key);
    } finally {
      await checkpoint.close();
    }
    return { epoch: null };
  }
  const { meta } = await readCheckpoint(path);
  return { epoch: meta.epoch };
}

/**
 * After a kill: run.json (if any) parses; each completed file is either unchanged since `before` or a
 * new complete file; a truncated copy of each checkpoint is rejected. Throws with what is wrong.
 */
export async function checkRunAfterKill(runDir: string, before: Snapshot, random: () => number): Promise<RunCheck> {
  const runJson = join(runDir, 'run.json');
  let record: RunRecord | null = null;
  if (existsSync(runJson)) {
    const parsed = RunRecordSchema.safeParse(JSON.parse(readFileSync(runJson, 'utf8')));
    if (!parsed.success) throw new Error(`run.json does not match RunRecordSchema after a kill: ${parsed.error.message}`);
    record = parsed.data;
  } else if (before.has('run.json')) throw new Error('run.json disappeared after a kill');

  const changed: string[] = [];
  let lastEpoch: number | null = null;
  for (const file of CHECKPOINT_FILES) {
    const path = join(runDir, file);
    if (!existsSync(path)) {
      if (before.has(file)) throw new Error(`${file} disappeared after a kill`);
      continue;
    }
    const hash = sha256(path);
    if (hash !== before.get(file)) changed.push(file);
    // old or new, the file must be complete
    const { epoch } = await checkpointIsComplete(runDir, file).catch((error: Error) => {
      throw new Error(
        `${file} is not a complete checkpoint after a kill (${before.has(file) ? 'it existed before' : 'new'}): ${error.message}`,
      );
    });
    if (file.endsWith('last.flck')) lastEpoch = epoch;
    // a half-written copy must never read as valid
    const bytes = readFileSync(path);
    const cut = 1 + Math.floor(random() * (bytes.length - 2));
    const truncated = join(tmpdir(), `floodlens-truncated-${process.pid}-${cut}${file.endsWith('.pt') ? '.pt' : '.flck'}`);
    writeFileSync(truncated, bytes.subarray(0, cut));
    try {
      const accepted = await checkpointIsComplete(tmpdir(), truncated.slice(tmpdir().length + 1)).then(
        () => true,
        (error: Error) => {
          if (file.endsWith('.flck') && !(error instanceof TensorFileError))
            throw new Error(`truncated ${file} gave an untyped error: ${error.message}`);
          return false;
        },
      );
      if (accepted) throw new Error(`${file} truncated to ${cut} of ${bytes.length} bytes was read as valid`);
    } finally {
      rmSync(truncated, { force: true });
    }
  }
  const checkpointsDir = join(runDir, 'checkpoints');
  const tempFiles = [...readdirSync(runDir), ...(existsSync(checkpointsDir) ? readdirSync(checkpointsDir) : [])].filter((f) =>
    f.endsWith('.tmp'),
  );
  return { record, lastEpoch, tempFiles, changed };
}

export interface TrainKillOptions {
  seed: number;
  kills: number;
  epochs: number;
  /** Kill window, ms after the last training step of a seeded epoch (then evaluation and checkpoint writes follow). */
  minDelayMs: number;
  maxDelayMs: number;
  log?: (line: string) => void;
}

export interface TrainKillReport {
  runDir: string;
  kills: number;
  exitedBeforeKill: number;
  resumes: number;
  freshStarts: number;
  changedFiles: number;
  tempFilesSeen: number;
  final: RunRecord;
}

/** The first progress line of an epoch (the CLI prints `train · epoch e/n · step …` to stderr). */
export const TRAINING_STARTED = /train · epoch/;
/** Any job progress line. */
export const WORK_STARTED = / · step \d+\/\d+/;

/** A progress line of a step that is not the last: the job has more to do, so a kill soon after lands in the work. */
export function midWork(stderr: string): boolean {
  return [...stderr.matchAll(/ · step (\d+)\/(\d+)/g)].some(([, step, steps]) => Number(step) < Number(steps));
}

export function trainArgs(runDir: string, epochs: number): string[] {
  return [
    'train',
    '--data',
    demoData,
    '--model',
    'scratch',
    '--out',
    runDir,
    '--chip-size',
    '64',
    '--batch-size',
    '2',
    '--epochs',
    String(epochs),
    '--patience',
    '0',
    '--seed',
    '3',
  ];
}

/** Train with repeated SIGKILLs, then resume to completion; every state between kills is checked. */
export async function trainUnderKills(runDir: string, options: TrainKillOptions): Promise<TrainKillReport> {
  const random = seededRandom(options.seed);
  const log = options.log ?? (() => undefined);
  const report = { runDir, kills: 0, exitedBeforeKill: 0, resumes: 0, freshStarts: 0, changedFiles: 0, tempFilesSeen: 0 };
  let lastEpoch = 0;
  for (let i = 0; i < options.kills; i++) {
    const resume = existsSync(join(runDir, 'run.json'));
    const args = resume ? ['train', '--resume', '--out', runDir] : trainArgs(runDir, options.epochs);
    if (resume) report.resumes++;
    else report.freshStarts++;
    const before = snapshotRun(runDir);
    const delay = options.minDelayMs + random() * (options.maxDelayMs - options.minDelayMs);
    // arm at the last step of a seeded epoch, so kills land around evaluation and checkpoint writes
    const target = Math.min(options.epochs, lastEpoch + 1 + (random() < 0.3 ? 1 : 0));
    const result = await runAndKill(args, delay, new RegExp(`epoch ${target}/\\d+ · step (\\d+)/\\1 `));
    if (!result.killed) {
      report.exitedBeforeKill++;
      if (result.code !== 0) throw new Error(`train exited with ${result.code} before the kill:\n${result.stderr.slice(-2000)}`);
      log(`kill ${i + 1}: run finished before the kill at ${delay.toFixed(0)} ms`);
      break;
    }
    report.kills++;
    const check = await checkRunAfterKill(runDir, before, random);
    lastEpoch = check.lastEpoch ?? lastEpoch;
    report.changedFiles += check.changed.length;
    report.tempFilesSeen += check.tempFiles.length;
    log(
      `kill ${i + 1} at ${delay.toFixed(0)} ms (${resume ? 'resumed' : 'fresh'} run): run.json ${check.record ? `epochs ${check.record.epochs.map((e) => e.epoch).join(',') || '-'}` : 'absent'}, last.flck epoch ${check.lastEpoch ?? '-'}, changed ${check.changed.join(',') || 'nothing'}, temp files ${check.tempFiles.length}`,
    );
  }
  const finish = await runToEnd(
    existsSync(join(runDir, 'run.json')) ? ['train', '--resume', '--out', runDir] : trainArgs(runDir, options.epochs),
  );
  if (finish.code !== 0) throw new Error(`the final resume failed (${finish.code}):\n${finish.stderr.slice(-2000)}`);
  const final = RunRecordSchema.parse(JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')));
  return { ...report, final };
}

/** A scratch folder for one scenario. */
export function scratchDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `floodlens-kill-${prefix}-`));
}

/** Every finished GeoTIFF in `dir` (temp files excluded) decodes completely. */
export async function checkGeoTiffsComplete(dir: string): Promise<{ complete: number; temp: number }> {
  if (!existsSync(dir)) return { complete: 0, temp: 0 };
  const files = readdirSync(dir, { recursive: true }).map(String);
  const tifs = files.filter((f) => f.endsWith('.tif') && !f.split('/').pop()!.startsWith('.'));
  for (const tif of tifs) await readBands(join(dir, tif));
  return { complete: tifs.length, temp: files.filter((f) => f.endsWith('.tmp')).length };
}
