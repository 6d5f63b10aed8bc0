/**
 * Decompression bounds of the checkpoint reader (issue 12, case 6): a torch-format checkpoint whose one
 * tensor is 800 MB of zeros, DEFLATE-compressed to < 1 MB, is refused before anything is inflated, with a
 * message saying why; peak memory stays small. The same file with 1,000 zeros loads (torch agrees).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TorchCheckpoint } from '../../src-main/engine/torch/checkpoint.ts';
import { boundedCase } from '../fuzz/harness.ts';
import { isCheckpointError } from '../fuzz/checkpoint-fuzz.ts';

const hasTorch = (() => {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
if (!hasTorch) console.warn('[skipped] checkpoint decompression bounds: needs python3-torch to write the checkpoint');

const work = mkdtempSync(join(tmpdir(), 'floodlens-bomb-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const writer = resolve(import.meta.dirname, 'helpers/zero_tensor_checkpoint.py');
const make = (name: string, elements: number) => {
  const path = join(work, name);
  execFileSync('/usr/bin/python3', [writer, path, String(elements)], { timeout: 120_000 });
  return path;
};

describe.skipIf(!hasTorch)('compressed checkpoint records are bounded before inflating', () => {
  it('an 800 MB zero tensor compressed into a < 1 MB file is refused with a clear message; memory stays flat', async () => {
    const path = make('bomb.pt', 200_000_000);
    expect(statSync(path).size).toBeLessThan(5 * 2 ** 20);
    let message = '';
    const result = await boundedCase(
      async () => {
        const checkpoint = await TorchCheckpoint.open(path);
        try {
          for (const { key } of checkpoint.tensors()) await checkpoint.readFloat32(key);
        } finally {
          await checkpoint.close();
        }
      },
      (error) => isCheckpointError(error) && Boolean((message = (error as Error).message)),
      { maxMillis: 10_000, maxGrowthBytes: 64 * 2 ** 20 },
    );
    expect(result.outcome).toBe('typed-error');
    expect(message).toContain(path);
    expect(message).toMatch(
      /tensor bomb\.weight: compressed record archive\/data\/0 would inflate 0\.\d MiB to 762\.9 MiB \(\d+:1\).*decompression bomb/,
    );
    console.log(
      `refused with peak RSS growth ${(result.peakGrowthBytes / 2 ** 20).toFixed(1)} MiB (before the fix: 800 MB inflated, peak 2.4 GB)`,
    );
  }, 180_000);

  it('the same layout with a small compressed tensor loads, as torch.load does', async () => {
    const path = make('small.pt', 1_000);
    const shape = execFileSync('/usr/bin/python3', ['-c', `import torch; print(list(torch.load('${path}')['bomb.weight'].shape))`], {
      encoding: 'utf8',
    }).trim();
    expect(shape).toBe('[1000]');
    const checkpoint = await TorchCheckpoint.open(path);
    try {
      const values = await checkpoint.readFloat32('bomb.weight');
      expect(values.length).toBe(1_000);
      expect(values.every((v) => v === 0)).toBe(true);
    } finally {
      await checkpoint.close();
    }
  }, 60_000);
});
