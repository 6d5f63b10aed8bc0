/**
 * `embed` on a pool of workers (engine/jobs/embed-job.ts): the demo chips through the tiny Clay v0 checkpoint
 * on 1 worker and on 2 give the same embeddings, byte for byte, and the same index entries; a second pooled
 * run reuses everything. Speed is measured by `npm run bench` (parallel section), not here.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalJobContext } from '../../src-main/engine/compute/job-context.ts';
import { EmbeddingStore } from '../../src-main/engine/embedding/embedding-store.ts';
import { splitEvenly } from '../../src-main/engine/compute/worker-thread.ts';
import { embedOnWorkers } from '../../src-main/engine/jobs/embed-job.ts';
import { hasShared, reportSkippedWithoutShared, repoRoot, sharedFixture } from '../helpers/shared.ts';

reportSkippedWithoutShared('embed on a worker pool (tiny Clay v0 checkpoint)');
const work = mkdtempSync(join(tmpdir(), 'floodlens-embed-workers-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

it('splits the chips into contiguous ranges of near-equal size', () => {
  expect(splitEvenly([1, 2, 3, 4, 5], 2)).toEqual([
    [1, 2],
    [3, 4, 5],
  ]);
  expect(splitEvenly([1, 2], 4)).toEqual([[1], [2]]);
  expect(splitEvenly([1, 2, 3], 1)).toEqual([[1, 2, 3]]);
});

describe.skipIf(!hasShared)('embed with 1 and 2 workers', () => {
  it('gives the same bytes and entries, and a pooled rerun reuses every chip', async () => {
    const data = join(work, 'data');
    cpSync(resolve(repoRoot, 'resources/demo/sen1floods11'), data, { recursive: true });
    // two chips: one per worker (each worker thread loads tsx, tfjs and the encoder: the start-up dominates here)
    const chipIds = ['India_900498', 'Spain_7370579'];
    const request = { encoder: sharedFixture('clay-v0', 'clay-v0-tiny.ckpt'), dataDir: data, encoderCacheDir: null, chipIds };
    const one = await embedOnWorkers({ ...request, outDir: join(work, 'one'), workers: 1 }, new LocalJobContext('one'));
    const logs: string[] = [];
    const two = await embedOnWorkers(
      { ...request, outDir: join(work, 'two'), workers: 2 },
      new LocalJobContext('two', undefined, (l) => logs.push(l)),
    );
    expect(
      logs.some((l) => /on 2 worker\(s\)/.test(l)),
      logs.join('\n'),
    ).toBe(true);
    expect(one.failed).toEqual([]);
    expect(two.failed).toEqual([]);
    expect([...two.computed].sort()).toEqual([...one.computed].sort());
    expect([...one.computed].sort()).toEqual(chipIds);
    expect(two.missingInputs).toEqual(one.missingInputs);
    const [a, b] = await Promise.all([EmbeddingStore.open(join(work, 'one')), EmbeddingStore.open(join(work, 'two'))]);
    expect(b.header()).toEqual(a.header());
    expect(b.chipIds()).toEqual(a.chipIds());
    for (const id of a.chipIds()) {
      const [x, y] = [await a.read(id), await b.read(id)];
      expect(Buffer.from(y.data.buffer).equals(Buffer.from(x.data.buffer)), `embedding of ${id}`).toBe(true);
      expect(b.entry(id)).toEqual(a.entry(id));
    }
    const again = await embedOnWorkers({ ...request, outDir: join(work, 'two'), workers: 2 }, new LocalJobContext('again'));
    expect(again.computed).toEqual([]);
    expect([...again.reused].sort()).toEqual(chipIds);
  }, 600_000);
});
