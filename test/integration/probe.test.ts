import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runJob } from '../../src-main/engine/jobs/worker-host.ts';
import { LocalJobContext } from '../../src-main/engine/compute/job-context.ts';
import { probeEvery } from '../../src-main/engine/probe/probe-encoders.ts';
import type { ProbeReport } from '../../src-main/engine/probe/probe-report.ts';
import { trainRun } from '../../src-main/engine/training/trainer.ts';
import { hasShared, reportSkippedWithoutShared, repoRoot, sharedFixture } from '../helpers/shared.ts';
import { hasTorch, SYSTEM_PYTHON } from '../helpers/python-reference.ts';

reportSkippedWithoutShared('linear probe over encoder checkpoints');
if (hasShared && !hasTorch)
  console.warn('[skipped] probe over checkpoints: needs /usr/bin/python3 with torch to write the epoch checkpoints');

const tiny = sharedFixture('clay-v0', 'clay-v0-tiny.ckpt');
const work = mkdtempSync(join(tmpdir(), 'floodlens-probe-'));
const checkpoints = join(work, 'checkpoints');
afterAll(() => rmSync(work, { recursive: true, force: true }));

// Three Sentinel-1 chips of the demo (fast to embed with the tiny v0 encoder, 16×16 grid).
const data = join(work, 'data');
function copyChips(): void {
  mkdirSync(data, { recursive: true });
  const demo = resolve(repoRoot, 'resources/demo/sen1floods11');
  for (const id of ['India_900498', 'Nigeria_812045', 'Pakistan_849790', 'Spain_7370579']) {
    for (const suffix of ['S1Hand', 'LabelHand']) copyFileSync(join(demo, `${id}_${suffix}.tif`), join(data, `${id}_${suffix}.tif`));
  }
}

/** "Pretraining epochs" 1..3: the tiny checkpoint re-saved by PyTorch with perturbed weights and Lightning's `epoch`. */
function writeEpochCheckpoints(): string[] {
  mkdirSync(checkpoints, { recursive: true });
  const code = `
import sys, torch
src, out = sys.argv[1], sys.argv[2]
ckpt = torch.load(src, map_location='cpu')
for epoch in (1, 2, 3):
    g = torch.Generator().manual_seed(epoch)
    ckpt['epoch'] = epoch
    ckpt['state_dict'] = type(ckpt['state_dict'])((k, v + 0.05 * epoch * torch.randn(v.shape, generator=g)) for k, v in ckpt['state_dict'].items())
    torch.save(ckpt, f'{out}/clay-v0-tiny-epoch={epoch:02d}.ckpt')
`;
  execFileSync(SYSTEM_PYTHON, ['-c', code, tiny, checkpoints]);
  return [1, 2, 3].map((e) => join(checkpoints, `clay-v0-tiny-epoch=${String(e).padStart(2, '0')}.ckpt`));
}

describe.skipIf(!hasShared || !hasTorch)('probe over three checkpoints', () => {
  let files: string[];
  let report: ProbeReport;
  const out = join(work, 'probe');

  beforeAll(async () => {
    copyChips();
    files = writeEpochCheckpoints();
    report = await runJob('probe', { encoders: files, dataDir: data, outDir: out, epochs: 2, seed: 1, valSplit: 0.25, testSplit: 0.25 });
  }, 180_000);

  it('writes probe.json and a probe.md table: checkpoint, epoch, five metrics', () => {
    expect(report.rows.map((r) => r.epoch)).toEqual([1, 2, 3]);
    expect(report.rows.map((r) => r.epochSource)).toEqual(['metadata', 'metadata', 'metadata']);
    expect(new Set(report.rows.map((r) => r.encoder.fingerprint)).size).toBe(3);
    expect(report.testChips).toHaveLength(1);
    for (const row of report.rows) {
      for (const key of ['dice', 'iou', 'f1', 'precision', 'recall'] as const)
        expect(row[key] === null || (row[key]! >= 0 && row[key]! <= 1)).toBe(true);
      expect(row.embedSeconds).toBeGreaterThan(0);
    }
    const saved = JSON.parse(readFileSync(join(out, 'probe.json'), 'utf8')) as ProbeReport;
    expect(saved.rows).toHaveLength(3);
    expect(saved.budget).toMatchObject({ epochs: 2, seed: 1, checkpoint: 'last' });
    const table = readFileSync(join(out, 'probe.md'), 'utf8').split('\n');
    expect(table).toContain('| checkpoint | epoch | dice | iou | f1 | precision | recall |');
    expect(table.filter((line) => /^\| clay-v0-tiny-epoch=0\d\.ckpt \| \d \|( (n\/a|\d\.\d{4}) \|){5}$/.test(line))).toHaveLength(3);
  });

  it('the same probe again reuses every embedding and run, and gives the same numbers', async () => {
    const again = await runJob('probe', {
      encoders: files,
      dataDir: data,
      outDir: out,
      epochs: 2,
      seed: 1,
      valSplit: 0.25,
      testSplit: 0.25,
    });
    expect(again.rows.map((r) => r.embedSeconds)).toEqual([0, 0, 0]);
    expect(again.rows.map((r) => r.iou)).toEqual(report.rows.map((r) => r.iou));
  }, 120_000);

  it('refuses a seed-net state dict with the identify error, before any work', async () => {
    const wrong = join(work, 'probe-wrong');
    await expect(
      runJob('probe', { encoders: [files[0], sharedFixture('seed-nets', 'finetune-decoder.pt')], dataDir: data, outDir: wrong }),
    ).rejects.toThrow(/not a Clay encoder: this is a segmentation-head state dict/);
    expect(existsSync(join(wrong, 'probe.json'))).toBe(false);
  });

  it('probeEvery(n) as a training callback appends a row every n epochs', async () => {
    const runDir = join(work, 'run-with-probe');
    const seen: number[] = [];
    const hook = probeEvery(2, {
      encoderCheckpoint: (epoch) => files[epoch / 2 - 1],
      dataDir: data,
      budget: { epochs: 1, seed: 1, valSplit: 0.25, testSplit: 0.25 },
    });
    await trainRun(
      {
        outDir: runDir,
        config: {
          model: 'scratch',
          dataDir: data,
          epochs: 2,
          batchSize: 2,
          chipSize: 64,
          cropsPerChip: 1,
          seed: 1,
          patience: 0,
          valSplit: 0.25,
          testSplit: 0.25,
        },
      },
      new LocalJobContext('probe-hook'),
      { onEpochEnd: [(epoch) => void seen.push(epoch), hook] },
    );
    expect(seen).toEqual([1, 2]);
    const saved = JSON.parse(readFileSync(join(runDir, 'probe', 'probe.json'), 'utf8')) as ProbeReport;
    expect(saved.rows.map((r) => [r.epoch, r.epochSource, r.checkpoint])).toEqual([[2, 'training loop', files[0]]]);
  }, 120_000);
});
