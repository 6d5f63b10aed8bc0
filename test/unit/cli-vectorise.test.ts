/**
 * `floodlens vectorise`: bad usage exits 2 naming the flag and writes nothing; a real label from the demo data gives
 * polygons whose area is the mask's water area; a file that is not a mask exits 1 naming the file.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src-main/cli/main.ts';
import { VectorSummarySchema } from '../../src-main/api/vector.ts';
import { repoRoot } from '../helpers/shared.ts';

const demo = join(repoRoot, 'resources/demo/c2smsfloods');
const mask = join(demo, 'jja10.tif');
const temp = mkdtempSync(join(tmpdir(), 'floodlens-cli-vectorise-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

describe.skipIf(!existsSync(mask))('floodlens vectorise', () => {
  it.each([
    ['no --mask', ['--out', join(temp, 'a')], /--mask is required/],
    ['missing mask', ['--mask', join(temp, 'nope.tif'), '--out', join(temp, 'a')], /--mask: no such file/],
    ['unknown format', ['--mask', mask, '--out', join(temp, 'a'), '--vector', 'shp'], /--vector takes gpkg, geojson/],
    ['format twice', ['--mask', mask, '--out', join(temp, 'a'), '--vector', 'gpkg,gpkg'], /names a format twice/],
    ['fractional minimum', ['--mask', mask, '--out', join(temp, 'a'), '--min-pixels', '2.5'], /--min-pixels: .*int/i],
    ['zero minimum', ['--mask', mask, '--out', join(temp, 'a'), '--min-pixels', '0'], /--min-pixels: /],
    ['negative tolerance', ['--mask', mask, '--out', join(temp, 'a'), '--simplify', '-1'], /--simplify: /],
    ['tolerance not a number', ['--mask', mask, '--out', join(temp, 'a'), '--simplify', 'lots'], /--simplify must be a number/],
    ['unknown option', ['--mask', mask, '--out', join(temp, 'a'), '--connectivity', '8'], /unknown option --connectivity/],
  ])('%s: exit 2, nothing written', async (_, argv, message) => {
    const result = await cli(['vectorise', ...(argv as string[])]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message as RegExp);
    expect(existsSync(join(temp, 'a'))).toBe(false);
  });

  it('writes GeoPackage + GeoJSON of a real label, the polygons holding all its water', async () => {
    const out = join(temp, 'ok');
    const result = await cli(['vectorise', '--mask', mask, '--out', out, '--min-pixels', '4', '--simplify', '0.5', '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const summary = VectorSummarySchema.parse(JSON.parse(result.stdout));
    expect(readdirSync(out).sort()).toEqual(['jja10_water.geojson', 'jja10_water.gpkg']);
    expect(summary.features).toBeGreaterThan(10);
    expect(summary.droppedFeatures).toBeGreaterThan(0);
    // 168 704 water pixels of 10 m × 10 m in the C2S-MS label (counted by numpy in vector-gdal.test.ts's judge).
    expect(summary.maskWaterAreaKm2).toBeCloseTo(16.8704, 9);
    expect(summary.featureAreaKm2).toBeLessThan(summary.maskWaterAreaKm2);
  });

  it('a file that is not a mask fails with exit 1 naming it, and leaves no file', async () => {
    const out = join(temp, 'bad');
    const result = await cli(['vectorise', '--mask', join(demo, 'jja10_vv.tif'), '--out', out, '--vector', 'geojson']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('jja10_vv.tif: a water mask is one band of integers');
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  });
});
