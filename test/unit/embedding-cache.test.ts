import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChipInfo } from '../../src-main/api/dataset.ts';
import { JobCancelledError } from '../../src-main/api/jobs.ts';
import { inspectDataset } from '../../src-main/engine/dataset/inspect.ts';
import { embedChips, EmbeddingCacheMismatchError } from '../../src-main/engine/embedding/embed-chips.ts';
import { encoderIdentity } from '../../src-main/engine/embedding/encoder-file.ts';
import { LocalJobContext } from '../../src-main/engine/compute/job-context.ts';
import { EmbeddingStore } from '../../src-main/engine/embedding/embedding-store.ts';
import { hasShared, reportSkippedWithoutShared, repoRoot, sharedFixture } from '../helpers/shared.ts';
import { hasTorch, SYSTEM_PYTHON } from '../helpers/python-reference.ts';

reportSkippedWithoutShared('embedding cache (tiny Clay checkpoints)');

const v0 = sharedFixture('clay-v0', 'clay-v0-tiny.ckpt');
const v15 = sharedFixture('clay-v1.5', 'clay-v1.5-tiny.ckpt');
const demo = resolve(repoRoot, 'resources/demo/sen1floods11');
const work = mkdtempSync(join(tmpdir(), 'floodlens-embed-cache-'));
const data = join(work, 'data');
afterAll(() => rmSync(work, { recursive: true, force: true }));

const mtimes = (dir: string) =>
  Object.fromEntries(
    readdirSync(dir)
      .filter((f) => f.endsWith('.f32'))
      .map((f) => [f, statSync(join(dir, f)).mtimeMs]),
  );

describe.skipIf(!hasShared)('embedding cache: keyed by chip + encoder fingerprint, resumable, refuses another encoder', () => {
  let chips: ChipInfo[];

  beforeAll(async () => {
    mkdirSync(data);
    for (const id of ['India_900498', 'Pakistan_849790', 'Spain_7370579']) {
      for (const suffix of ['S1Hand', 'LabelHand']) copyFileSync(join(demo, `${id}_${suffix}.tif`), join(data, `${id}_${suffix}.tif`));
    }
    chips = (await inspectDataset(data)).chips;
    expect(chips).toHaveLength(3);
  });

  it('fingerprints the encoder tensors: stable, different per encoder', async () => {
    const a = await encoderIdentity(v0);
    expect(a).toMatchObject({ name: 'clay-v0', version: 'v0' });
    expect(a.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect((await encoderIdentity(v0)).fingerprint).toBe(a.fingerprint);
    expect((await encoderIdentity(v15)).fingerprint).not.toBe(a.fingerprint);
  });

  it.skipIf(!hasTorch)(
    'the fingerprint is SHA-256 over key|shape and float32 bytes of the encoder tensors (checked with PyTorch)',
    async () => {
      const code = `
import hashlib, sys, torch
sd = torch.load(sys.argv[1], map_location='cpu')['state_dict']
h = hashlib.sha256()
for k, v in sd.items():
    if not k.startswith('model.encoder.'): continue
    h.update(f"{k[len('model.encoder.'):]}|{','.join(str(d) for d in v.shape)}\\n".encode())
    h.update(v.contiguous().float().numpy().astype('<f4').tobytes())
print(h.hexdigest())
`;
      for (const file of [v0, v15]) {
        const expected = execFileSync(SYSTEM_PYTHON, ['-c', code, file], { encoding: 'utf8' }).trim();
        expect((await encoderIdentity(file)).fingerprint).toBe(expected);
      }
    },
  );

  it('cancel keeps finished chips; resume computes only the rest; a rerun computes nothing', async () => {
    const dir = join(work, 'cache-v0');
    const context = new LocalJobContext('cancel', (p) => p.phase === 'embed' && context.cancel());
    await expect(embedChips(v0, chips, dir, context)).rejects.toBeInstanceOf(JobCancelledError);
    const afterCancel = await EmbeddingStore.open(dir);
    expect(afterCancel.chipIds()).toHaveLength(1);
    const first = afterCancel.chipIds()[0];

    const resumed = await embedChips(v0, chips, dir, new LocalJobContext('resume'));
    expect(resumed.reused).toEqual([first]);
    expect(resumed.computed.sort()).toEqual(
      chips
        .map((c) => c.id)
        .filter((id) => id !== first)
        .sort(),
    );
    expect(resumed.failed).toEqual([]);
    expect(resumed.secondsPerChip).toBeGreaterThan(0);
    const store = await EmbeddingStore.open(dir);
    expect(store.channels).toBe(6 * 64);
    expect(store.grid).toEqual({ height: 16, width: 16 });
    expect(store.pixelsPerCell).toBe(32);
    expect(store.entry('Spain_7370579')!.missingInputs!.join('\n')).toMatch(/B02.*DEM missing/);

    const before = mtimes(dir);
    const again = await embedChips(v0, chips, dir, new LocalJobContext('again'));
    expect(again.computed).toEqual([]);
    expect(again.reused).toHaveLength(3);
    expect(again.encoderSeconds).toBe(0);
    expect(again.loadSeconds).toBe(0);
    expect(mtimes(dir)).toEqual(before);
  });

  it('a changed chip file is embedded again, the others are not', async () => {
    const dir = join(work, 'cache-v0');
    // Same chip id, other (valid) pixels: Pakistan's radar image under India's name.
    copyFileSync(join(demo, 'Pakistan_849790_S1Hand.tif'), join(data, 'India_900498_S1Hand.tif'));
    const changed = (await inspectDataset(data)).chips;
    const result = await embedChips(v0, changed, dir, new LocalJobContext('changed'));
    expect(result.computed).toEqual(['India_900498']);
    expect(result.reused).toHaveLength(2);
  });

  it('refuses a folder that another encoder filled', async () => {
    const dir = join(work, 'cache-v0');
    await expect(embedChips(v15, chips, dir, new LocalJobContext('other'))).rejects.toBeInstanceOf(EmbeddingCacheMismatchError);
    await expect(embedChips(v15, chips, dir, new LocalJobContext('other'))).rejects.toThrow(
      /holds embeddings of another encoder \(clay-v0 .*not of .*clay-v1\.5-tiny\.ckpt/,
    );
  });

  it('v1.5 on S1-only chips: [64, 64, 64] grids of the two radar bands', async () => {
    const dir = join(work, 'cache-v15');
    const result = await embedChips(v15, chips.slice(0, 1), dir, new LocalJobContext('v15'));
    expect(result.failed).toEqual([]);
    expect(result.computed).toHaveLength(1);
    const store = await EmbeddingStore.open(dir);
    expect([store.channels, store.grid.height, store.grid.width, store.pixelsPerCell]).toEqual([64, 64, 64, 8]);
    expect(store.entry(result.computed[0])!.inputs).toBe('clay-v1.5 sentinel-1-rtc [VV, VH] gsd 10, 4 tiles of 256² (grids stitched)');
    const embedding = await store.read(result.computed[0]);
    expect(embedding.data.every(Number.isFinite)).toBe(true);
  });

  it('refuses a seed-net state dict with the identify error', async () => {
    await expect(
      embedChips(sharedFixture('seed-nets', 'scratch-net.pt'), chips, join(work, 'nope'), new LocalJobContext('x')),
    ).rejects.toThrow(/not a Clay encoder: this is a convolutional encoder-decoder state dict/);
  });
});
