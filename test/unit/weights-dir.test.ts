import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src-main/cli/main.ts';
import { bytesNeededFor, CLAY_WEIGHTS_CATALOGUE, findCatalogueEntry } from '../../src-main/engine/weights/catalogue.ts';
import { planDownload } from '../../src-main/engine/weights/download-plan.ts';
import { defaultCliDataDir, listWeights, weightsDir } from '../../src-main/engine/weights/weights-dir.ts';

const work = mkdtempSync(join(tmpdir(), 'floodlens-weights-dir-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('Clay weights catalogue', () => {
  it('pins each official release to a commit where the file exists, with its documented size and release page', async () => {
    expect(CLAY_WEIGHTS_CATALOGUE.map((e) => e.id)).toEqual(['clay-v1.5', 'clay-v0.1']);
    expect(new Set(CLAY_WEIGHTS_CATALOGUE.map((e) => e.fileName)).size).toBe(CLAY_WEIGHTS_CATALOGUE.length);
    for (const entry of CLAY_WEIGHTS_CATALOGUE) {
      expect(entry.revision).toMatch(/^[0-9a-f]{40}$/);
      expect(entry.url).toBe(`https://huggingface.co/made-with-clay/Clay/resolve/${entry.revision}/${entry.pathInRepo}`);
      expect(entry.url.endsWith(`/${entry.fileName}`)).toBe(true);
      expect(entry.releasePage.startsWith(`https://huggingface.co/made-with-clay/Clay/tree/${entry.revision}/`)).toBe(true);
      expect(entry.documentedSize.source).toMatch(/^https:\/\/huggingface\.co\/made-with-clay\/Clay\//);
      // Unverified until a download verifies them: never filled in from memory.
      if (entry.sha256 !== null) expect(entry.sha256).toMatch(/^[0-9a-f]{64}$/);
      if (entry.sizeBytes !== null) expect(Number.isSafeInteger(entry.sizeBytes) && entry.sizeBytes > 0).toBe(true);
    }
    // The release moved v0 into v0/ (commit 2033cf5) and documents clay-v1.5.ckpt at 5.16 GB (not the 1.25 GB encoder exports).
    const v15 = findCatalogueEntry('clay-v1.5')!;
    expect(v15.url).toBe('https://huggingface.co/made-with-clay/Clay/resolve/5bfb3c778cf1b51f0ecb6b92395ebdebae893e24/v1.5/clay-v1.5.ckpt');
    expect(v15.documentedSize.label).toBe('5.16 GB');
    expect(findCatalogueEntry('clay-v0.1')?.url).toBe(
      'https://huggingface.co/made-with-clay/Clay/resolve/5bfb3c778cf1b51f0ecb6b92395ebdebae893e24/v0/Clay_v0.1_epoch-24_val-loss-0.46.ckpt',
    );
    expect(findCatalogueEntry('nope')).toBeUndefined();

    // Shown before a download: size, unverified, and the free space it needs (file + 1.25 GB encoder cache + slack).
    expect(bytesNeededFor(v15)).toBe(Math.ceil(5.16e9 * 1.02 + 311_442_944 * 4));
    const plan = await planDownload(v15, '/weights', 0, async () => 4e9);
    expect(plan).toMatchObject({ sizeLabel: '5.16 GB', verified: false, enough: false, freeBytes: 4e9 });
    expect(plan.summary).toBe('5.16 GB (documented, unverified), needs ~6.6 GB free; 4.00 GB free in /weights');
    // A resumed download needs only the rest.
    expect((await planDownload(v15, '/weights', 5e9, async () => 4e9)).enough).toBe(true);
    // The real statfs of this machine answers for a folder that does not exist yet.
    expect((await planDownload(v15, join(work, 'not', 'yet'))).freeBytes).toBeGreaterThan(0);
  });
});

describe('weights folder', () => {
  it('lives in <data dir>/weights; the CLI data dir is $FLOODLENS_HOME or ~/.floodlens', () => {
    expect(weightsDir('/data/floodlens')).toBe(resolve('/data/floodlens/weights'));
    expect(defaultCliDataDir({ FLOODLENS_HOME: '/srv/fl' })).toBe(resolve('/srv/fl'));
    expect(defaultCliDataDir({ FLOODLENS_HOME: '  ' })).toBe(join(homedir(), '.floodlens'));
    expect(defaultCliDataDir({})).toBe(join(homedir(), '.floodlens'));
  });

  it('reports present, partial and user-added checkpoints, and nothing for a missing folder', async () => {
    expect((await listWeights(join(work, 'absent'))).every((s) => !s.present && s.partialBytes === null)).toBe(true);

    const dir = join(work, 'weights');
    mkdirSync(dir);
    writeFileSync(join(dir, 'clay-v1.5.ckpt.part'), Buffer.alloc(100));
    writeFileSync(join(dir, 'Clay_v0.1_epoch-24_val-loss-0.46.ckpt'), Buffer.alloc(300));
    writeFileSync(join(dir, 'my-finetune.pt'), Buffer.alloc(7));
    writeFileSync(join(dir, 'notes.txt'), 'not a checkpoint');
    const statuses = await listWeights(dir);
    expect(statuses.map((s) => [s.entry?.id ?? null, s.present, s.sizeBytes, s.partialBytes])).toEqual([
      ['clay-v1.5', false, null, 100],
      ['clay-v0.1', true, 300, null],
      [null, true, 7, null],
    ]);
    expect(statuses[2].path).toBe(join(dir, 'my-finetune.pt'));

    const out: string[] = [];
    const io = { stdout: (t: string) => void out.push(t), stderr: (t: string) => void out.push(t) };
    expect(await runCli(['weights', 'list', '--dir', dir], io)).toBe(0);
    const text = out.join('');
    expect(text).toContain('partial (100 B, resume with download)');
    expect(text).toContain('present (300 B)');
    expect(text).toContain('my-finetune.pt');
  });

  it('rejects unknown ids and subcommands as usage errors', async () => {
    const err: string[] = [];
    const io = { stdout: () => undefined, stderr: (t: string) => void err.push(t) };
    expect(await runCli(['weights', 'download', 'clay-v9', '--dir', work], io)).toBe(2);
    expect(err.join('')).toContain('unknown weights id "clay-v9" (known: clay-v1.5, clay-v0.1)');
    expect(await runCli(['weights', 'fetch'], io)).toBe(2);
  });
});
