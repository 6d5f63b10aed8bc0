/**
 * Hardening round two, outputs and writers (issue 12, cases 4, 5, 8, 11) on one real run: a scratch net
 * trained for one epoch on real chips (test/fixtures/data, Sen1Floods11 S1 + hand label) listed by a
 * manifest whose ids collide once made file names.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src-main/api/run.ts';
import { LocalJobContext } from '../../src-main/engine/compute/job-context.ts';
import { compareRuns } from '../../src-main/engine/evaluation/compare-runs.ts';
import { evaluateRun } from '../../src-main/engine/evaluation/evaluate-run.ts';
import { readCompletedOutputs } from '../../src-main/engine/fs/completion.ts';
import { FolderLockedError, LOCK_FILE, lockFolder } from '../../src-main/engine/fs/folder-lock.ts';
import { predictRun } from '../../src-main/engine/prediction/predict-run.ts';
import { trainRun } from '../../src-main/engine/training/trainer.ts';
import { repoRoot } from '../helpers/shared.ts';

const fixtures = resolve(repoRoot, 'test/fixtures/data/sen1floods11');
const work = mkdtempSync(join(tmpdir(), 'floodlens-outputs-'));
const data = join(work, 'data');
const runDir = join(work, 'run');
afterAll(() => rmSync(work, { recursive: true, force: true }));

const context = () => new LocalJobContext('test');
const config = {
  model: 'scratch' as const,
  dataDir: data,
  epochs: 1,
  batchSize: 2,
  chipSize: 64,
  valSplit: 0.34,
  testSplit: 0.34,
  seed: 5,
  patience: 0,
};

/** The pid of a process that has exited: a lock it held is stale. */
function deadPid(): number {
  const child = spawnSync('sh', ['-c', 'echo $$']);
  return Number(child.stdout.toString().trim());
}

let record: RunRecord;
beforeAll(async () => {
  // three real chips; "chip a" and "chip_a" both become chip_a once made a file name
  cpSync(fixtures, data, { recursive: true });
  const chip = (id: string) => ({
    id,
    files: [{ path: 'Spain_7370579_S1Hand.tif', bands: ['VV', 'VH'] }],
    label: { path: 'Spain_7370579_LabelHand.tif', water: 1, notWater: 0, notValid: [-1] },
  });
  writeFileSync(join(data, 'floodlens-manifest.json'), JSON.stringify({ chips: [chip('chip a'), chip('chip_a'), chip('x')] }));
  record = await trainRun({ outDir: runDir, config }, context());
}, 120_000);

describe('outputs and concurrent writers on a real run', () => {
  it('predict gives colliding chip ids distinct files, says so, and writes the completion marker last (cases 4, 11)', async () => {
    expect(record.status).toBe('completed');
    const out = join(work, 'masks');
    const result = await predictRun({ runDir, dataDir: data, outDir: out, probabilities: false, chips: 'all' }, context());
    expect(result.chips.map((c) => c.files.mask).sort()).toEqual([
      join(out, 'chip_a-2_mask.tif'),
      join(out, 'chip_a_mask.tif'),
      join(out, 'x_mask.tif'),
    ]);
    expect(result.renamed).toEqual([{ id: 'chip a', stem: 'chip_a-2' }]);
    for (const chip of result.chips) expect(existsSync(chip.files.mask), chip.files.mask).toBe(true);
    const completed = await readCompletedOutputs(out);
    expect(completed.complete, completed.problems.join('; ')).toBe(true);
    expect(completed.files.map((f) => f.name).sort()).toEqual(['chip_a-2_mask.tif', 'chip_a_mask.tif', 'x_mask.tif']);
    expect(completed.manifest?.producer).toBe('predict');
    expect(existsSync(join(out, LOCK_FILE)), 'the lock is released').toBe(false);
  }, 60_000);

  it('a second writer into a locked run folder is refused, naming the holder (case 5)', async () => {
    const lock = await lockFolder(runDir, 'train');
    try {
      await expect(trainRun({ outDir: runDir, resume: true }, context())).rejects.toThrow(FolderLockedError);
      await expect(evaluateRun({ runDir, dataDir: data, chips: 'test' }, context())).rejects.toThrow(
        new RegExp(`is in use: train \\(pid ${process.pid} on `),
      );
    } finally {
      await lock.release();
    }
    // two trainings started at once into one fresh folder: exactly one runs
    const fresh = join(work, 'twice');
    const results = await Promise.allSettled([
      trainRun({ outDir: fresh, config }, context()),
      trainRun({ outDir: fresh, config }, context()),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(FolderLockedError);
    expect(String(refused.reason.message)).toMatch(/is writing into it; wait for it to finish, or use another folder/);
  }, 120_000);

  it('a stale lock of a killed process on this host is taken over; another host’s lock is not (case 5)', async () => {
    const path = join(runDir, LOCK_FILE);
    writeFileSync(
      path,
      JSON.stringify({ pid: deadPid(), host: hostname(), started: null, purpose: 'train', since: '2026-01-01T00:00:00Z', token: 'killed' }),
    );
    const evaluation = await evaluateRun({ runDir, dataDir: data, chips: 'test' }, context());
    expect(evaluation.chips.length).toBeGreaterThan(0);
    expect(existsSync(path)).toBe(false);
    // a recycled pid (alive, but started later than the lock says) is stale too
    writeFileSync(
      path,
      JSON.stringify({
        pid: process.pid,
        host: hostname(),
        started: 1,
        purpose: 'train',
        since: '2026-01-01T00:00:00Z',
        token: 'recycled',
      }),
    );
    const lock = await lockFolder(runDir, 'evaluate');
    expect(lock.tookOver?.token).toBe('recycled');
    await lock.release();
    writeFileSync(
      path,
      JSON.stringify({
        pid: 1,
        host: 'elsewhere.example',
        started: null,
        purpose: 'train',
        since: '2026-01-01T00:00:00Z',
        token: 'remote',
      }),
    );
    await expect(lockFolder(runDir, 'evaluate')).rejects.toThrow(/another machine's lock, so it cannot be checked from here/);
    rmSync(path);
  }, 60_000);

  it('a damaged run.json is named in the error, and compare says which run (case 8)', async () => {
    const damaged = join(work, 'damaged');
    cpSync(runDir, damaged, { recursive: true });
    const text = readFileSync(join(damaged, 'run.json'), 'utf8');
    truncateSync(join(damaged, 'run.json'), Math.floor(text.length / 2));
    await expect(compareRuns({ runDirs: [runDir, damaged], dataDir: data }, context())).rejects.toThrow(
      new RegExp(`${join(damaged, 'run.json').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not valid JSON \\(`),
    );
    writeFileSync(join(damaged, 'run.json'), JSON.stringify({ ...JSON.parse(text), status: 42 }));
    await expect(compareRuns({ runDirs: [damaged], dataDir: data }, context())).rejects.toThrow(
      /damaged\/run\.json: not a valid run record \(status: /,
    );
  }, 60_000);

  it('compare says when a run did not complete (killed mid-training) (case 11)', async () => {
    const killed = join(work, 'killed');
    cpSync(runDir, killed, { recursive: true });
    const text = JSON.parse(readFileSync(join(killed, 'run.json'), 'utf8')) as RunRecord;
    writeFileSync(join(killed, 'run.json'), JSON.stringify({ ...text, status: 'running' }));
    const comparison = await compareRuns({ runDirs: [runDir, killed], dataDir: data }, context());
    expect(comparison.warnings.join('\n')).toMatch(/did not complete \(status running: killed, failed or still training; 1 of 1 epochs\)/);
  }, 60_000);
});
