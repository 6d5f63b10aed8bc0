/**
 * Output completion marker (fs/completion.ts): a folder is trusted only when its marker, written last,
 * lists files that still match; a killed or cut-short output reads as incomplete. Real GeoTIFFs from
 * test/fixtures/data stand in for predicted masks.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  beginOutputs,
  COMPLETION_FILE,
  completeOutputs,
  readCompletedOutputs,
  requireCompletedOutputs,
} from '../../src-main/engine/fs/completion.ts';
import { repoRoot } from '../helpers/shared.ts';

const fixtures = resolve(repoRoot, 'test/fixtures/data/sen1floods11');
const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function outputFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'floodlens-completion-'));
  dirs.push(dir);
  copyFileSync(join(fixtures, 'Spain_7370579_LabelHand.tif'), join(dir, 'Spain_7370579_mask.tif'));
  copyFileSync(join(fixtures, 'Spain_7370579_S1Hand.tif'), join(dir, 'Spain_7370579_prob.tif'));
  return dir;
}

describe('output completion marker', () => {
  it('trusts the files a marker lists while they match, with size and SHA-256', async () => {
    const dir = outputFolder();
    const manifest = await completeOutputs(dir, ['Spain_7370579_mask.tif', 'Spain_7370579_prob.tif'], 'predict', { run: 'r1' });
    expect(manifest.files.map((f) => f.size)).toEqual([904, 24418]);
    const read = await readCompletedOutputs(dir);
    expect(read.complete).toBe(true);
    expect(read.files.map((f) => f.path)).toEqual([join(dir, 'Spain_7370579_mask.tif'), join(dir, 'Spain_7370579_prob.tif')]);
    expect(read.manifest?.details).toEqual({ run: 'r1' });
  });

  it('an output without a marker (killed before the end) is incomplete and nothing in it is trusted', async () => {
    const dir = outputFolder();
    const read = await readCompletedOutputs(dir);
    expect(read.complete).toBe(false);
    expect(read.files).toEqual([]);
    expect(read.problems[0]).toContain(COMPLETION_FILE);
    await expect(requireCompletedOutputs(dir)).rejects.toThrow(/not a completed output.*missing/);
  });

  it('a file cut short or rewritten after completion is refused, naming it; the others stay trusted', async () => {
    const dir = outputFolder();
    await completeOutputs(dir, ['Spain_7370579_mask.tif', 'Spain_7370579_prob.tif'], 'predict');
    truncateSync(join(dir, 'Spain_7370579_prob.tif'), 10_000);
    let read = await readCompletedOutputs(dir);
    expect(read.complete).toBe(false);
    expect(read.files.map((f) => f.name)).toEqual(['Spain_7370579_mask.tif']);
    expect(read.problems.join()).toMatch(/Spain_7370579_prob\.tif has 10000 bytes, the completion marker says 24418/);
    // same size, other bytes: only the hash can tell
    const mask = join(dir, 'Spain_7370579_mask.tif');
    const bytes = readFileSync(mask);
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(mask, bytes);
    read = await readCompletedOutputs(dir);
    expect(read.files).toEqual([]);
    expect(read.problems.join()).toMatch(/mask\.tif does not match its SHA-256/);
    expect((await readCompletedOutputs(dir, { verify: 'size' })).files.map((f) => f.name)).toEqual(['Spain_7370579_mask.tif']);
  });

  it('a new write removes the old marker first, so a re-run killed midway is not taken for the earlier one', async () => {
    const dir = outputFolder();
    await completeOutputs(dir, ['Spain_7370579_mask.tif'], 'predict');
    await beginOutputs(dir);
    expect((await readCompletedOutputs(dir)).complete).toBe(false);
  });

  it('a marker that lists a path outside its folder, or is damaged, trusts nothing and says why', async () => {
    const dir = outputFolder();
    const manifest = await completeOutputs(dir, ['Spain_7370579_mask.tif'], 'predict');
    writeFileSync(join(dir, COMPLETION_FILE), JSON.stringify({ ...manifest, files: [{ ...manifest.files[0], name: '../../etc/passwd' }] }));
    const escaped = await readCompletedOutputs(dir);
    expect(escaped.files).toEqual([]);
    expect(escaped.problems.join()).toMatch(/climbing out/);
    writeFileSync(join(dir, COMPLETION_FILE), '{"kind": "floodlens-out');
    const damaged = await readCompletedOutputs(dir);
    expect(damaged.complete).toBe(false);
    expect(damaged.problems[0]).toContain(join(dir, COMPLETION_FILE));
    expect(damaged.problems[0]).toMatch(/not valid JSON/);
    await expect(completeOutputs(dir, ['../outside.tif'], 'predict')).rejects.toThrow(/climbing out/);
  });
});
