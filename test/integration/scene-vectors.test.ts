/**
 * Scene polygons (`predict --scene --vector`, `merge --vector`): made once from the finished mask COG, listed in the
 * summary and the completion manifest; GDAL opens them and their area is the summary's water area. Merge trusts
 * only part folders whose completion manifest is valid, and names the one that is not.
 */
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { fromFile } from 'geotiff';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SceneSummarySchema } from '../../src-main/api/scene.ts';
import { COMPLETION_FILE, requireCompletedOutputs } from '../../src-main/engine/fs/completion.ts';
import { runJob } from '../../src-main/engine/jobs/worker-host.ts';
import { hasShared, reportSkippedWithoutShared } from '../helpers/shared.ts';
import { buildChipMosaic } from '../helpers/scene-mosaic.ts';
import { writeSeededScratchRun } from '../helpers/seeded-run.ts';
import { judgeVectors } from '../helpers/vector-judge.ts';

const work = mkdtempSync(join(tmpdir(), 'floodlens-scene-vectors-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
reportSkippedWithoutShared('scene polygons');

describe.skipIf(!hasShared)('scene polygons from predict --scene and from merge (a 300×260 mosaic of real chips)', () => {
  const scene = join(work, 'scene-300x260.tif');
  let runDir: string;
  beforeAll(async () => {
    buildChipMosaic(scene, { width: 300, height: 260 });
    runDir = await writeSeededScratchRun(join(work, 'run-128'), { chipSize: 128 });
    // the untrained net is sure of nothing: threshold at its median probability so the mask has water and land
    const probe = await runJob('scene.predict', { runDir, scene, outDir: join(work, 'probe'), probabilities: true, workers: 1 });
    const tiff = await fromFile(probe.summary!.files.probabilities!);
    const [values] = (await (await tiff.getImage()).readRasters({ interleave: false })) as unknown as Float32Array[];
    await tiff.close();
    const sorted = values.filter((v) => !Number.isNaN(v)).sort();
    const record = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8'));
    record.config.threshold = sorted[Math.floor(sorted.length * 0.95)];
    writeFileSync(join(runDir, 'run.json'), JSON.stringify(record, null, 2));
  }, 120_000);

  it('one run and two merged shards give the same polygons; GDAL opens them; their km² is the summary’s', async () => {
    const vector = { formats: ['gpkg', 'geojson'] as ('gpkg' | 'geojson')[] };
    const single = await runJob('scene.predict', { runDir, scene, outDir: join(work, 'one'), probabilities: false, workers: 1, vector });
    const summary = SceneSummarySchema.parse(JSON.parse(readFileSync(single.summary!.files.summary, 'utf8')));
    expect(summary.waterPixels).toBeGreaterThan(100); // polygons to judge, not an empty layer
    expect(summary.waterPixels).toBeLessThan(summary.validPixels);
    const { gpkg, geojson } = summary.files.vectors!;
    expect(summary.vector!.features).toBeGreaterThan(1);
    expect(Math.abs(summary.vector!.polygonAreaKm2 - summary.waterAreaKm2)).toBeLessThanOrEqual(0.01 * summary.waterAreaKm2);

    // GDAL is the judge: OGR opens both files; the polygons' true area is the summary's water area within 1 %
    const judged = judgeVectors(summary.files.mask, 1, [gpkg!, geojson!]);
    for (const file of [gpkg!, geojson!]) {
      expect(judged.files[file].features).toBe(summary.vector!.features);
      expect(judged.files[file].invalid).toBe(0);
      expect(Math.abs(judged.files[file].areaM2 / 1e6 - summary.waterAreaKm2)).toBeLessThanOrEqual(0.01 * summary.waterAreaKm2);
    }
    expect(judged.files[gpkg!].gpkgErrors ?? []).toEqual([]);
    expect(judged.gdalPolygons).toBe(summary.vector!.features);

    // the completion manifest, written last, lists the polygons with the COG and the summary
    const outputs = await requireCompletedOutputs(join(work, 'one'));
    expect(outputs.files.map((f) => f.name).sort()).toEqual([
      'scene-300x260_mask.tif',
      'scene-300x260_summary.json',
      'scene-300x260_water.geojson',
      'scene-300x260_water.gpkg',
    ]);

    // shards take no --vector: the merge makes the polygons once
    await expect(
      runJob('scene.predict', {
        runDir,
        scene,
        outDir: join(work, 'shard0'),
        probabilities: false,
        workers: 1,
        shard: { index: 0, count: 2 },
        vector,
      }),
    ).rejects.toThrow(/give --vector to merge/);
    for (const index of [0, 1])
      await runJob('scene.predict', {
        runDir,
        scene,
        outDir: join(work, `shard${index}`),
        probabilities: false,
        workers: 1,
        shard: { index, count: 2 },
      });

    // a part folder without a valid completion manifest (its shard was killed) is refused, by name
    const marker = join(work, 'shard1', COMPLETION_FILE);
    renameSync(marker, `${marker}.away`);
    await expect(
      runJob('scene.merge', { partDirs: [join(work, 'shard0'), join(work, 'shard1')], outDir: join(work, 'merged'), vector }),
    ).rejects.toThrow(/part folder .*shard1 is incomplete/);
    renameSync(`${marker}.away`, marker);

    const merged = await runJob('scene.merge', {
      partDirs: [join(work, 'shard0'), join(work, 'shard1')],
      outDir: join(work, 'merged'),
      vector,
    });
    expect(readFileSync(merged.files.mask).equals(readFileSync(summary.files.mask))).toBe(true);
    expect(readFileSync(merged.files.vectors!.geojson!, 'utf8')).toBe(readFileSync(geojson!, 'utf8'));
    expect(merged.vector).toEqual(summary.vector);
    const mergedOutputs = await requireCompletedOutputs(join(work, 'merged'));
    expect(mergedOutputs.files.map((f) => f.name)).toContain('scene-300x260_water.gpkg');
  }, 300_000);
});
