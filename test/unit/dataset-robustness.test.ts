/**
 * Bad input never crashes the reader: broken files are made from real fixtures in a temp dir (truncated,
 * not a TIFF, GeoKeys stripped or pointing at an unknown EPSG by editing bytes, label cropped with
 * gdal_translate -srcwin, one band dropped with gdal_translate -b). Each gives a typed ChipReadError
 * naming the file, and the other chips of the folder still load.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChipInfo, DatasetInspection } from '../../src-main/api/dataset.ts';
import { inspectDataset } from '../../src-main/engine/dataset/inspect.ts';
import { readRasterHeader, readBands } from '../../src-main/engine/geo/geotiff-file.ts';
import { ChipReadError } from '../../src-main/engine/geo/errors.ts';
import { repoRoot } from '../helpers/shared.ts';
import { hasGdal } from './dataset-gdal.helpers.ts';

const s1Fixture = resolve(repoRoot, 'test/fixtures/data/sen1floods11');
const c2Fixture = resolve(repoRoot, 'test/fixtures/data/c2smsfloods');

/** Byte offset of the value of TIFF tag `tag` in the first IFD of a little-endian classic TIFF, and of its entry. */
function findTag(bytes: Buffer, tag: number): { entry: number; valueOffset: number; count: number } {
  expect(bytes.toString('latin1', 0, 2)).toBe('II');
  const ifd = bytes.readUInt32LE(4);
  const n = bytes.readUInt16LE(ifd);
  for (let i = 0; i < n; i++) {
    const entry = ifd + 2 + i * 12;
    if (bytes.readUInt16LE(entry) === tag) {
      const count = bytes.readUInt32LE(entry + 4);
      return { entry, count, valueOffset: count * 2 > 4 ? bytes.readUInt32LE(entry + 8) : entry + 8 };
    }
  }
  throw new Error(`tag ${tag} not found`);
}

/** Renames the GeoKeyDirectory tag so no reader sees GeoKeys (the file keeps its pixels and geotransform). */
function stripGeoKeys(file: string): void {
  const bytes = readFileSync(file);
  const { entry } = findTag(bytes, 34735);
  bytes.writeUInt16LE(65000, entry);
  writeFileSync(file, bytes);
}

/** Rewrites the value of GeoKey `keyId` (a SHORT stored in the directory itself). */
function setGeoKey(file: string, keyId: number, value: number): void {
  const bytes = readFileSync(file);
  const { valueOffset } = findTag(bytes, 34735);
  const keyCount = bytes.readUInt16LE(valueOffset + 6);
  for (let k = 0; k < keyCount; k++) {
    const at = valueOffset + 8 + k * 8;
    if (bytes.readUInt16LE(at) === keyId) {
      expect(bytes.readUInt16LE(at + 2)).toBe(0); // value stored inline
      bytes.writeUInt16LE(value, at + 6);
      writeFileSync(file, bytes);
      return;
    }
  }
  throw new Error(`GeoKey ${keyId} not found`);
}

function copyChip(fromDir: string, fromId: string, toDir: string, toId: string, suffixes: string[]): void {
  mkdirSync(toDir, { recursive: true });
  for (const suffix of suffixes) copyFileSync(join(fromDir, `${fromId}${suffix}.tif`), join(toDir, `${toId}${suffix}.tif`));
}

describe('broken chips give typed errors and do not stop the folder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'floodlens-broken-'));
  const s1 = ['_S1Hand', '_S2Hand', '_LabelHand'];
  let report: DatasetInspection;
  const chip = (id: string): ChipInfo => report.chips.find((c) => c.id === id)!;

  beforeAll(async () => {
    copyChip(s1Fixture, 'Spain_7370579', dir, 'Spain_1', s1); // intact
    copyChip(s1Fixture, 'Spain_7370579', dir, 'Spain_2', s1);
    const truncated = join(dir, 'Spain_2_S1Hand.tif');
    truncateSync(truncated, Math.floor(statSync(truncated).size / 2));
    copyChip(s1Fixture, 'Spain_7370579', dir, 'Spain_3', ['_S1Hand', '_LabelHand']);
    writeFileSync(join(dir, 'Spain_3_S1Hand.tif'), 'this is not a TIFF file at all\n');
    copyChip(s1Fixture, 'Spain_7370579', dir, 'Spain_4', ['_S1Hand', '_LabelHand']);
    stripGeoKeys(join(dir, 'Spain_4_S1Hand.tif'));
    copyChip(s1Fixture, 'Spain_7370579', dir, 'Spain_5', ['_S1Hand', '_LabelHand']);
    setGeoKey(join(dir, 'Spain_5_S1Hand.tif'), 2048, 3999); // GeographicTypeGeoKey → code absent from EPSG
    copyChip(c2Fixture, 'jja10', join(dir, 'c2'), 'jja11', ['_vv', '_vh']);
    setGeoKey(join(dir, 'c2', 'jja11_vv.tif'), 3072, 32799); // ProjectedCSTypeGeoKey → code absent from EPSG
    if (hasGdal) {
      copyChip(s1Fixture, 'Spain_7370579', dir, 'Spain_6', ['_S1Hand']);
      execFileSync('gdal_translate', [
        '-q',
        '-srcwin',
        '0',
        '0',
        '60',
        '64',
        join(s1Fixture, 'Spain_7370579_LabelHand.tif'),
        join(dir, 'Spain_6_LabelHand.tif'),
      ]);
      copyChip(s1Fixture, 'Spain_7370579', dir, 'Spain_7', ['_LabelHand']);
      execFileSync('gdal_translate', ['-q', '-b', '1', join(s1Fixture, 'Spain_7370579_S1Hand.tif'), join(dir, 'Spain_7_S1Hand.tif')]);
    }
    report = await inspectDataset(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the intact chip still loads completely', () => {
    expect(chip('Spain_1').errors).toEqual([]);
    expect(chip('Spain_1').bands).toHaveLength(15);
    expect(report.summary.readableChips).toBeGreaterThanOrEqual(2);
  });

  it('truncated TIFF → corrupt-tiff naming the file; the chip keeps its S2 bands', () => {
    const c = chip('Spain_2');
    expect(c.errors).toContainEqual(
      expect.objectContaining({ code: 'corrupt-tiff', file: join(dir, 'Spain_2_S1Hand.tif'), severity: 'error' }),
    );
    expect(c.bands).not.toContain('VV');
    expect(c.bands).toContain('B02');
  });

  it('not a TIFF → corrupt-tiff', () => {
    expect(chip('Spain_3').errors).toContainEqual(expect.objectContaining({ code: 'corrupt-tiff', file: join(dir, 'Spain_3_S1Hand.tif') }));
    expect(chip('Spain_3').width).toBeNull();
  });

  it('no GeoKeys → no-crs; size and pixels still reported', () => {
    const c = chip('Spain_4');
    expect(c.errors).toEqual([expect.objectContaining({ code: 'no-crs', file: join(dir, 'Spain_4_S1Hand.tif') })]);
    expect(c.epsg).toBeNull();
    expect(c.bboxWgs84).toBeNull();
    expect(c.width).toBe(64);
  });

  it('unknown EPSG (geographic and projected) → unknown-epsg', () => {
    expect(chip('Spain_5').errors).toEqual([
      expect.objectContaining({ code: 'unknown-epsg', message: expect.stringContaining('EPSG:3999') }),
    ]);
    const c2 = chip('jja11');
    expect(c2.errors).toContainEqual(expect.objectContaining({ code: 'unknown-epsg', file: join(dir, 'c2', 'jja11_vv.tif') }));
  });

  it.skipIf(!hasGdal)('label of a different size → size-mismatch; label dropped, image kept', () => {
    const c = chip('Spain_6');
    expect(c.errors).toEqual([expect.objectContaining({ code: 'size-mismatch', file: join(dir, 'Spain_6_LabelHand.tif') })]);
    expect(c.label).toBeNull();
    expect(c.bands).toEqual(['VV', 'VH']);
  });

  it.skipIf(!hasGdal)('S1Hand with one band → wrong-band-count', () => {
    expect(chip('Spain_7').errors).toEqual([expect.objectContaining({ code: 'wrong-band-count', file: join(dir, 'Spain_7_S1Hand.tif') })]);
  });

  it('the folder report stays valid JSON with every chip listed', () => {
    const ids = report.chips.map((c) => c.id);
    expect(ids).toEqual(expect.arrayContaining(['Spain_1', 'Spain_2', 'Spain_3', 'Spain_4', 'Spain_5', 'jja11']));
    expect(() => JSON.parse(JSON.stringify(report))).not.toThrow();
  });

  it('low-level reads throw ChipReadError, never a raw error', async () => {
    await expect(readBands(join(dir, 'Spain_2_S1Hand.tif'))).rejects.toBeInstanceOf(ChipReadError);
    await expect(readRasterHeader(join(dir, 'missing.tif'))).rejects.toMatchObject({ code: 'missing-file' });
  });
});
