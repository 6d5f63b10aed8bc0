/**
 * Disk full and read-only workspace: training and prediction fail with an error naming the path and
 * the problem, and the run's prior files stay byte-identical. Uses a tiny tmpfs (root + mount needed;
 * skipped with a message otherwise).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunRecordSchema } from '../../src-main/api/run.ts';
import { demoData, runToEnd, snapshotRun, trainArgs } from './kill-scenarios.ts';

function canMount(): boolean {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  const probe = mkdtempSync(join(tmpdir(), 'floodlens-mount-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}
const mountable = canMount();
if (!mountable) console.warn('[skipped] disk full / read-only tests: need root and permission to mount tmpfs');

const mounts: string[] = [];
function mountTmpfs(bytes: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'floodlens-tmpfs-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${Math.ceil(bytes / 4096) * 4096}`, 'tmpfs', dir]);
  mounts.push(dir);
  return dir;
}
const duBytes = (dir: string): number =>
  readdirSync(dir, { recursive: true })
    .map((f) => join(dir, String(f)))
    .filter((p) => statSync(p).isFile())
    .reduce((sum, p) => sum + statSync(p).size, 0);

describe.skipIf(!mountable)('disk full and read-only workspace', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'floodlens-disk-'));
  const prior = join(scratch, 'prior');

  beforeAll(async () => {
    // a finished 1-epoch run, reopened with 3 epochs in its config: `--resume` trains epochs 2–3
    const result = await runToEnd(trainArgs(prior, 1));
    expect(result.code, result.stderr).toBe(0);
    const record = JSON.parse(readFileSync(join(prior, 'run.json'), 'utf8'));
    record.config.epochs = 3;
    writeFileSync(join(prior, 'run.json'), JSON.stringify(record, null, 2));
  }, 120_000);

  afterAll(() => {
    for (const dir of mounts) {
      try {
        execFileSync('umount', ['-l', dir]);
      } catch {
        /* already gone */
      }
      rmSync(dir, { recursive: true, force: true });
    }
    rmSync(scratch, { recursive: true, force: true });
  });

  it('disk full while checkpointing: clear error naming the file, prior checkpoints byte-identical, no temp file left', async () => {
    const disk = mountTmpfs(duBytes(prior) + 1024 * 1024); // room for run.json updates, not for a new checkpoint
    const runDir = join(disk, 'run');
    cpSync(prior, runDir, { recursive: true });
    const before = snapshotRun(runDir);
    const result = await runToEnd(['train', '--resume', '--out', runDir]);
    console.log(`disk full: exit ${result.code}: ${result.stderr.trim().split('\n').at(-1)}`);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/disk is full|ENOSPC/);
    expect(result.stderr).toContain(join(runDir, 'checkpoints'));
    const after = snapshotRun(runDir);
    for (const file of ['checkpoints/last.flck', 'checkpoints/best.flck', 'checkpoints/best.pt'])
      expect(after.get(file), file).toBe(before.get(file));
    const record = RunRecordSchema.parse(JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')));
    expect(record.status).toBe('failed');
    expect(record.error).toMatch(/disk is full/);
    expect(readdirSync(join(runDir, 'checkpoints')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  }, 120_000);

  it('read-only workspace: train --resume and predict refuse with the path and the problem; nothing changes', async () => {
    const disk = mountTmpfs(duBytes(prior) + 4 * 1024 * 1024);
    const runDir = join(disk, 'run');
    cpSync(prior, runDir, { recursive: true });
    mkdirSync(join(disk, 'masks'));
    const before = snapshotRun(runDir);
    execFileSync('mount', ['-o', 'remount,ro', disk]);

    const train = await runToEnd(['train', '--resume', '--out', runDir]);
    console.log(`read-only train: exit ${train.code}: ${train.stderr.trim().split('\n').at(-1)}`);
    expect(train.code).toBe(1);
    expect(train.stderr).toMatch(/read-only|EROFS/);
    expect(train.stderr).toContain(runDir);

    const predict = await runToEnd(['predict', '--run', runDir, '--data', demoData, '--out', join(disk, 'masks')]);
    console.log(`read-only predict: exit ${predict.code}: ${predict.stderr.trim().split('\n').at(-1)}`);
    expect(predict.code).toBe(1);
    expect(predict.stderr).toMatch(/read-only|EROFS/);
    expect(predict.stderr).toContain(join(disk, 'masks'));

    expect(snapshotRun(runDir)).toEqual(before);
    expect(existsSync(join(disk, 'masks')) && readdirSync(join(disk, 'masks'))).toEqual([]);
  }, 120_000);
});
