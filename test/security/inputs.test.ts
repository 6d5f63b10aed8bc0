/**
 * Hardening round two, dataset inputs (issue 12, cases 1, 2, 3, 4, 9, 10): blocking files, unreadable
 * subfolders, labels on another grid, duplicate chip ids, unnamed bands, rotated geotransforms. Every
 * case is a real chip from test/fixtures/data (cut from ../shared/data) altered with GDAL or the OS.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DatasetInspection } from '../../src-main/api/dataset.ts';
import { inspectDataset, isReadable } from '../../src-main/engine/dataset/inspect.ts';
import { uniqueFileStems } from '../../src-main/engine/fs/chip-file-stem.ts';
import { repoRoot } from '../helpers/shared.ts';
import { hasGdal } from '../unit/dataset-gdal.helpers.ts';

const fixtures = resolve(repoRoot, 'test/fixtures/data');
const s1 = join(fixtures, 'sen1floods11/Spain_7370579_S1Hand.tif');
const label = join(fixtures, 'sen1floods11/Spain_7370579_LabelHand.tif');
const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'floodlens-inputs-'));
  dirs.push(dir);
  return dir;
}
const python = (code: string, ...args: string[]) => execFileSync('/usr/bin/python3', ['-c', code, ...args], { encoding: 'utf8' });

describe('blocking files (case 1): only regular files are opened', () => {
  it('a FIFO named as a chip file in a manifest, as its label and as the manifest itself never hangs inspect', async () => {
    const dir = scratch();
    copyFileSync(s1, join(dir, 'good_S1.tif'));
    execFileSync('mkfifo', [join(dir, 'pipe_S1.tif'), join(dir, 'pipe_label.tif')]);
    const chip = (id: string, file: string, labelFile?: string) => ({
      id,
      files: [{ path: file, bands: ['VV', 'VH'] }],
      ...(labelFile ? { label: { path: labelFile, water: 1, notWater: 0, notValid: [-1] } } : {}),
    });
    writeFileSync(
      join(dir, 'floodlens-manifest.json'),
      JSON.stringify({ chips: [chip('good', 'good_S1.tif', 'pipe_label.tif'), chip('pipe', 'pipe_S1.tif')] }),
    );
    // before the fix the first open of the FIFO waited for a writer forever (the test timed out)
    const report = await inspectDataset(dir);
    const [good, pipe] = report.chips;
    expect(isReadable(good)).toBe(true);
    expect(good.label).toBeNull();
    expect(good.errors).toContainEqual(
      expect.objectContaining({ code: 'not-regular-file', file: join(dir, 'pipe_label.tif'), severity: 'error' }),
    );
    expect(isReadable(pipe)).toBe(false);
    expect(pipe.errors[0]).toMatchObject({ code: 'not-regular-file', file: join(dir, 'pipe_S1.tif') });
    expect(pipe.errors[0].message).toMatch(/FIFO/);

    const other = scratch();
    execFileSync('mkfifo', [join(other, 'floodlens-manifest.json')]);
    const manifestFifo = await inspectDataset(other);
    expect(manifestFifo.errors[0]).toMatchObject({ code: 'bad-manifest' });
    expect(manifestFifo.errors[0].message).toMatch(/FIFO \(named pipe\), not a regular file/);
  }, 20_000);

  it('a FIFO among the chips of a folder scan is a warning naming it; it is never opened', async () => {
    const dir = scratch();
    copyFileSync(s1, join(dir, 'Spain_7370579_S1Hand.tif'));
    execFileSync('mkfifo', [join(dir, 'Pipe_1_S1Hand.tif')]);
    const report = await inspectDataset(dir);
    expect(report.chips.map((c) => c.id)).toEqual(['Spain_7370579']);
    expect(report.errors).toContainEqual(
      expect.objectContaining({ code: 'not-regular-file', file: join(dir, 'Pipe_1_S1Hand.tif'), severity: 'warning' }),
    );
  }, 20_000);
});

describe('unreadable subfolder (case 2)', () => {
  // Root ignores mode 700, so the scan runs in a child process as the unprivileged user `nobody`
  // (setpriv drops uid, gid and supplementary groups): the kernel really answers EACCES.
  const canDrop =
    process.getuid?.() === 0 && spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'true']).status === 0;
  it.skipIf(!canDrop)(
    'is a warning naming the folder and the rest loads (scan run as an unprivileged user)',
    () => {
      if (!canDrop) console.warn('[skipped] unreadable subfolder: needs root and setpriv to run the scan as nobody');
      const dir = scratch();
      chmodSync(dir, 0o755);
      mkdirSync(join(dir, 'ok'));
      mkdirSync(join(dir, 'lost+found'));
      copyFileSync(s1, join(dir, 'ok/Spain_7370579_S1Hand.tif'));
      copyFileSync(label, join(dir, 'ok/Spain_7370579_LabelHand.tif'));
      copyFileSync(s1, join(dir, 'lost+found/Hidden_1_S1Hand.tif'));
      chmodSync(join(dir, 'ok'), 0o755);
      chmodSync(join(dir, 'lost+found'), 0o700);
      const asNobody = (...command: string[]) =>
        spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', ...command], {
          encoding: 'utf8',
          cwd: repoRoot,
          env: { ...process.env, HOME: '/tmp' },
          timeout: 150_000,
        });
      expect(asNobody('ls', join(dir, 'lost+found')).stderr, 'the folder must really be unreadable to the scanning user').toMatch(
        /Permission denied/,
      );
      const run = asNobody(process.execPath, '--import', 'tsx', join(repoRoot, 'test/security/helpers/inspect-json.ts'), dir);
      expect(run.status, run.stderr).toBe(0);
      const report = JSON.parse(run.stdout) as DatasetInspection;
      expect(report.chips.map((c) => c.id)).toEqual(['Spain_7370579']);
      expect(report.chips[0].label).not.toBeNull();
      const warning = report.errors.find((e) => e.code === 'unreadable-folder');
      expect(warning).toMatchObject({ file: join(dir, 'lost+found'), severity: 'warning' });
      expect(warning?.message).toMatch(/EACCES/);
    },
    180_000,
  );
});

describe.skipIf(!hasGdal)('grids, bands and pixel sizes (cases 3, 9, 10)', () => {
  function chipWithLabel(translateLabel: string[]): string {
    const dir = scratch();
    copyFileSync(s1, join(dir, 'Spain_7370579_S1Hand.tif'));
    execFileSync('gdal_translate', ['-q', ...translateLabel, label, join(dir, 'Spain_7370579_LabelHand.tif')]);
    return dir;
  }

  it('a label of the same size on another origin or CRS is an error on that chip, not used (case 3)', async () => {
    const same = await inspectDataset(chipWithLabel([]));
    expect(same.chips[0].label).not.toBeNull();
    const [x0, , , y0] = same.chips[0].geoTransform!;
    const step = 0.000089831528412;
    const shifted = await inspectDataset(
      chipWithLabel(['-a_ullr', String(x0 + 10 * step), String(y0), String(x0 + 74 * step), String(y0 - 64 * step)]),
    );
    expect(shifted.chips[0].label).toBeNull();
    const error = shifted.chips[0].errors.find((e) => e.code === 'grid-mismatch');
    expect(error?.file).toMatch(/LabelHand\.tif$/);
    expect(error?.message).toMatch(/origin/);
    const otherCrs = await inspectDataset(chipWithLabel(['-a_srs', 'EPSG:32630']));
    expect(otherCrs.chips[0].label).toBeNull();
    expect(otherCrs.chips[0].errors.find((e) => e.code === 'grid-mismatch')?.message).toMatch(/EPSG:32630, not EPSG:4326/);
  }, 30_000);

  it('a 15-band datacube image without band descriptions is reported as unnamed, with how to name it (case 9)', async () => {
    const dir = scratch();
    const cube = join(dir, 'Spain_7370579_cube.tif');
    const bands = [...Array(13).keys(), 0, 1].flatMap((b) => ['-b', String(b + 1)]);
    execFileSync('gdal_translate', ['-q', ...bands, join(fixtures, 'datacubes/Spain_7370579_utm30n_app13.tif'), cube]);
    python(
      "import sys; from osgeo import gdal\nds = gdal.Open(sys.argv[1], 1)\nfor i in range(ds.RasterCount): ds.GetRasterBand(i + 1).SetDescription('')\nds = None",
      cube,
    );
    copyFileSync(join(fixtures, 'datacubes/Spain_7370579_utm30n_label.tif'), join(dir, 'Spain_7370579_label.tif'));
    const report = await inspectDataset(dir);
    const [chip] = report.chips;
    expect(chip.bandDetails).toHaveLength(15);
    expect(chip.bands).toEqual([]);
    const error = chip.errors.find((e) => e.code === 'unnamed-bands');
    expect(error?.severity).toBe('error');
    expect(error?.message).toMatch(/none of its 15 bands has a name/);
    expect(error?.message).toMatch(/floodlens-manifest\.json \("bands"/);
    expect(error?.message).toMatch(/--bands/);
    expect(report.summary.problems.errors).toBeGreaterThan(0);
    // naming them (here: the first 13 in Clay v0 order, the last 2 skipped) is then accepted
    const named = await inspectDataset(dir, {
      bandNames: ['B02', 'B03', 'B04', 'B05', 'B06', 'B07', 'B08', 'B8A', 'B11', 'B12', 'VV', 'VH', 'DEM', null, null],
    });
    expect(named.chips[0].bands).toHaveLength(13);
    expect(named.chips[0].errors.find((e) => e.code === 'unnamed-bands')).toMatchObject({
      severity: 'warning',
      message: expect.stringMatching(/band\(s\) 14, 15 of 15/),
    });
  }, 30_000);

  it('a rotated geotransform reports the true pixel size from the full affine (case 10)', async () => {
    const dir = scratch();
    const file = join(dir, 'rot_vv.tif');
    copyFileSync(join(fixtures, 'c2smsfloods/jja10_vv.tif'), file);
    // a 0.5935 m pixel rotated by ~76°: gt[1] alone says 0.143
    python(
      'import sys; from osgeo import gdal\nds = gdal.Open(sys.argv[1], 1)\nds.SetGeoTransform([504900.0, 0.143, 0.576, 7244210.0, 0.576, -0.143])\nds = None',
      file,
    );
    const report = await inspectDataset(dir);
    const [chip] = report.chips;
    expect(chip.geoTransform).toEqual([504900, 0.143, 0.576, 7244210, 0.576, -0.143]);
    expect(chip.pixelSize![0]).toBeCloseTo(Math.hypot(0.143, 0.576), 9);
    expect(chip.pixelSize![1]).toBeCloseTo(Math.hypot(0.576, 0.143), 9);
    expect(chip.pixelSize![0]).toBeCloseTo(0.5935, 3);
  }, 30_000);
});

describe('duplicate chip ids (case 4)', () => {
  it('a manifest listing one id twice, and one chip name in two subfolders: the second is refused, naming both', async () => {
    const dir = scratch();
    copyFileSync(s1, join(dir, 'a.tif'));
    copyFileSync(s1, join(dir, 'b.tif'));
    const chip = (id: string, path: string) => ({ id, files: [{ path, bands: ['VV', 'VH'] }] });
    writeFileSync(
      join(dir, 'floodlens-manifest.json'),
      JSON.stringify({ chips: [chip('x', 'a.tif'), chip('x', 'b.tif'), chip('chip a', 'a.tif')] }),
    );
    const report = await inspectDataset(dir);
    expect(report.chips.map((c) => c.id)).toEqual(['x', 'chip a']);
    expect(report.errors).toContainEqual(
      expect.objectContaining({
        code: 'duplicate-chip-id',
        file: join(dir, 'b.tif'),
        message: expect.stringContaining(join(dir, 'a.tif')),
      }),
    );

    const folders = scratch();
    for (const sub of ['north', 'south']) {
      mkdirSync(join(folders, sub));
      copyFileSync(s1, join(folders, sub, 'Spain_7370579_S1Hand.tif'));
    }
    const scanned = await inspectDataset(folders);
    expect(scanned.chips.map((c) => c.files)).toEqual([[join(folders, 'north/Spain_7370579_S1Hand.tif')]]);
    expect(scanned.errors).toContainEqual(
      expect.objectContaining({ code: 'duplicate-chip-id', file: join(folders, 'south/Spain_7370579_S1Hand.tif') }),
    );
  });

  it('ids that collide once made file names get distinct stems; safe names keep theirs', () => {
    const ids = ['chip a', 'chip_a', 'Chip_A', '../x', '_x', 'x'];
    const stems = uniqueFileStems(ids);
    expect(ids.map((id) => stems.get(id))).toEqual(['chip_a-2', 'chip_a', 'Chip_A-3', '__x', '_x', 'x']);
    expect(new Set([...stems.values()].map((s) => s.toLowerCase())).size).toBe(6);
    expect(() => uniqueFileStems(['a', 'a'])).toThrow(/appears more than once/);
  });
});
