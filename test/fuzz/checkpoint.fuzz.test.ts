import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applyPickleEdits,
  buildZipCase,
  CheckpointWorkspace,
  checkpointTarget,
  isCheckpointError,
  makeBaseCheckpoint,
  pickleEditsArbitrary,
  pickleTarget,
  zipCaseArbitrary,
  type BaseCheckpoint,
} from './checkpoint-fuzz.ts';
import { boundedCase, CI_SEED, FuzzStats, runFuzz } from './harness.ts';

/** Short CI budgets; `npx tsx scripts/fuzz-long.ts` runs the same properties for longer. */
const PICKLE_RUNS = 300;
const ZIP_RUNS = 300;

describe('fuzz: checkpoint reader (zip + safe unpickler)', () => {
  let base: BaseCheckpoint;
  const workspace = new CheckpointWorkspace();
  beforeAll(async () => {
    base = await makeBaseCheckpoint();
  });
  afterAll(() => workspace.dispose());

  it('the unmutated base checkpoint opens (the fuzz starts from a valid file)', async () => {
    const result = await boundedCase(
      () => checkpointTarget(workspace.write(buildZipCase(base, { lies: [], bomb: null, extraRecords: [] }))),
      isCheckpointError,
    );
    expect(result.outcome).toBe('valid');
  });

  it(`${PICKLE_RUNS} pickle programs spliced into data.pkl (seed ${CI_SEED}): CheckpointError or a valid result, bounded`, async () => {
    const stats = new FuzzStats();
    const pickleOf = (edits: Parameters<typeof applyPickleEdits>[1]) => applyPickleEdits(base.records[base.pickleIndex].data, edits);
    await runFuzz(
      'pickle',
      pickleEditsArbitrary,
      async (edits) => {
        const pickle = pickleOf(edits);
        stats.record(await boundedCase(async () => pickleTarget(pickle), isCheckpointError));
        const path = workspace.write(buildZipCase(base, { lies: [], bomb: null, extraRecords: [] }, pickle));
        stats.record(await boundedCase(() => checkpointTarget(path), isCheckpointError));
      },
      (edits) => ({
        prefix: 'ckpt-pickle',
        extension: 'pt',
        bytes: buildZipCase(base, { lies: [], bomb: null, extraRecords: [] }, pickleOf(edits)),
      }),
      { seed: CI_SEED, numRuns: PICKLE_RUNS },
    );
    console.log(stats.summary('pickle fuzz'));
    expect(stats.typedErrors).toBeGreaterThan(PICKLE_RUNS / 4);
    expect(stats.valid).toBeGreaterThan(0);
  }, 60_000);

  it(`${ZIP_RUNS} dishonest zips (traversal names, DEFLATE bombs, huge sizes, wrong offsets; seed ${CI_SEED}): CheckpointError or valid, bounded`, async () => {
    const stats = new FuzzStats();
    await runFuzz(
      'zip',
      zipCaseArbitrary,
      async (c) => {
        const path = workspace.write(buildZipCase(base, c));
        stats.record(await boundedCase(() => checkpointTarget(path), isCheckpointError));
      },
      (c) => ({ prefix: 'ckpt-zip', extension: 'pt', bytes: buildZipCase(base, c) }),
      { seed: CI_SEED + 1, numRuns: ZIP_RUNS },
    );
    console.log(stats.summary('zip fuzz'));
    expect(stats.typedErrors).toBeGreaterThan(ZIP_RUNS / 2);
    expect(stats.valid).toBeGreaterThan(0);
  }, 60_000);
});
