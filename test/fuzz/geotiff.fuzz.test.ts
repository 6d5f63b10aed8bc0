import { afterAll, describe, expect, it } from 'vitest';
import { applyTiffMutations, isChipReadError, loadTiffSources, tiffCaseArbitrary, tiffTarget, TiffWorkspace } from './tiff-fuzz.ts';
import { boundedCase, CI_SEED, FuzzStats, runFuzz } from './harness.ts';

/** Short CI budget; `npx tsx scripts/fuzz-long.ts` runs the same property for longer. */
const RUNS = 400;

describe('fuzz: GeoTIFF/chip reader on mutated real chips', () => {
  const sources = loadTiffSources();
  const workspace = new TiffWorkspace(sources);
  afterAll(() => workspace.dispose());

  it(`${RUNS} mutated files (seed ${CI_SEED}): each ends in a valid read or a ChipReadError, in bounded time and memory`, async () => {
    const stats = new FuzzStats();
    await runFuzz(
      'geotiff',
      tiffCaseArbitrary(sources.length),
      async (c) => {
        const source = sources[c.source];
        const bytes = applyTiffMutations(source, c.mutations);
        const { dir, file } = workspace.prepare(source, bytes);
        stats.record(await boundedCase(() => tiffTarget(dir, file), isChipReadError));
      },
      (c) => ({
        prefix: `tiff-${sources[c.source].name.replace(/\.tif$/, '')}`,
        extension: 'tif',
        bytes: applyTiffMutations(sources[c.source], c.mutations),
      }),
      { seed: CI_SEED, numRuns: RUNS },
    );
    console.log(stats.summary('geotiff fuzz'));
    expect(stats.cases).toBeGreaterThanOrEqual(RUNS);
    // the mutations must actually reach the parser: both outcomes occur
    expect(stats.typedErrors).toBeGreaterThan(RUNS / 10);
    expect(stats.valid).toBeGreaterThan(0);
  }, 60_000);
});
