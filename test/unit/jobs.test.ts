import { describe, expect, it } from 'vitest';
import { runJob, JobFailedError } from '../../src-main/engine/jobs/worker-host.ts';
import { inspectDataset } from '../../src-main/engine/dataset/inspect.ts';
import { hasShared, reportSkippedWithoutShared, sharedData } from '../helpers/shared.ts';

reportSkippedWithoutShared('jobs on ../shared data');

describe('engine worker jobs', () => {
  it('rejects with the worker error for bad input, and the caller keeps running', async () => {
    await expect(runJob('dataset.inspect', { dir: 42 as unknown as string })).rejects.toBeInstanceOf(JobFailedError);
  });

  it.skipIf(!hasShared)('gives the same result in a worker thread as in-process', async () => {
    const dir = sharedData('c2smsfloods-s1');
    const [inWorker, inProcess] = await Promise.all([runJob('dataset.inspect', { dir }), inspectDataset(dir)]);
    expect(inWorker).toEqual(inProcess);
    expect(inWorker.chips.map((c) => c.id)).toEqual(['jja10', 'pxs10']);
  });
});
