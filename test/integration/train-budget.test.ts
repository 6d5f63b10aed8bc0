// --max-minutes on the bundled demo chips: training stops on its time budget with a scored best checkpoint,
// and run.json / the run summary say why it stopped and whether the kept model collapsed.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runJob } from '../../src-main/engine/jobs/worker-host.ts';
import { detectCollapse } from '../../src-main/engine/training/collapse.ts';
import { summariseRun } from '../../src-main/engine/workspace/run-summary.ts';
import { repoRoot } from '../helpers/shared.ts';

const work = mkdtempSync(join(tmpdir(), 'floodlens-budget-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('train --max-minutes', () => {
  it('stops on the budget, keeps the best checkpoint and records why', async () => {
    const runDir = join(work, 'run');
    const record = await runJob('train', {
      outDir: runDir,
      // 1.2 s: the first step always runs, then the budget ends the first epoch early.
      config: {
        model: 'scratch',
        dataDir: resolve(repoRoot, 'resources/demo'),
        maxMinutes: 0.02,
        epochs: 10_000,
        chipSize: 32,
        batchSize: 1,
        cropsPerChip: 8,
        valCropSize: 32,
        valCropsPerChip: 1,
        seed: 2,
      },
    });
    expect(record.status).toBe('completed');
    expect(record.stopReason).toBe('max-minutes');
    expect(record.epochs).toHaveLength(1);
    expect(record.epochs[0].samples).toBeLessThan(8 * record.data.split.train.length);
    expect(record.best?.epoch).toBe(1);
    expect(existsSync(join(runDir, 'checkpoints', 'best.flck'))).toBe(true);
    expect(record.collapse).toBe(detectCollapse(record.epochs[0].val!));
    const summary = summariseRun(record, false);
    expect(summary).toMatchObject({ stopReason: 'max-minutes', maxMinutes: 0.02, collapse: record.collapse, baseline: null });
  }, 300_000);
});
