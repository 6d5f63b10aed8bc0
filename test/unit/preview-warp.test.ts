/**
 * Chip quicklooks land where GDAL puts the pixels: the warped label is compared with `gdalwarp` to the same
 * EPSG:3857 grid (nearest neighbour), the footprint with `gdaltransform`, and the PNG is read back by GDAL.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ChipInfo } from '../../src-main/api/dataset.ts';
import { LABEL_COLOURS } from '../../src-main/api/preview.ts';
import { inspectDataset } from '../../src-main/engine/dataset/inspect.ts';
import { chipGridOf, chipPreview } from '../../src-main/engine/preview/chip-preview.ts';
import { chipFootprint } from '../../src-main/engine/preview/footprint.ts';
import { encodePng } from '../../src-main/engine/preview/png.ts';
import { exactSourcePixel, mercatorGridFor, sourceIndexMap } from '../../src-main/engine/preview/warp.ts';
import { mercatorX, mercatorY } from '../../src-main/engine/preview/web-mercator.ts';
import { repoRoot } from '../helpers/shared.ts';
import { has, SYSTEM_PYTHON } from '../helpers/references.ts';

const PYTHON = SYSTEM_PYTHON;
const demo = join(repoRoot, 'resources/demo');
const hasGdal = has('gdal') && has('rasterio');
const hasDemo = existsSync(join(demo, 'c2smsfloods/jja10.tif')) && existsSync(join(demo, 'sen1floods11/India_900498_LabelHand.tif'));
if (!hasGdal) console.warn('[skipped] preview-warp GDAL checks: gdalwarp or /usr/bin/python3 with rasterio is missing');
if (!hasDemo) console.warn('[skipped] preview-warp: resources/demo chips (jja10, India_900498) are missing');

const work = mkdtempSync(join(tmpdir(), 'floodlens-preview-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** All bands of a raster GDAL can read (PNG or GeoTIFF), band-sequential bytes. */
function readWithGdal(file: string): { bands: number; height: number; width: number; data: Buffer } {
  const script =
    'import rasterio,sys\na=rasterio.open(sys.argv[1]).read().astype("uint8")\nsys.stderr.write("\\n%d %d %d" % a.shape)\nsys.stdout.buffer.write(a.tobytes())';
  const result = spawnSync(PYTHON, ['-c', script, file], { maxBuffer: 64 << 20 });
  if (result.status !== 0) throw new Error(String(result.stderr));
  // rasterio may warn on stderr (a PNG has no georeference): the shape is the last line.
  const [bands, height, width] = String(result.stderr).trim().split('\n').at(-1)!.split(' ').map(Number);
  return { bands, height, width, data: result.stdout };
}

let chips: ChipInfo[] = [];
async function chip(id: string): Promise<ChipInfo> {
  if (chips.length === 0) chips = (await inspectDataset(demo)).chips;
  const found = chips.find((c) => c.id === id);
  if (!found) throw new Error(`demo chip ${id} not found`);
  return found;
}

describe('PNG encoder', () => {
  it.skipIf(!hasGdal)('writes RGBA that GDAL reads back byte for byte', () => {
    const width = 37;
    const height = 5;
    const rgba = new Uint8Array(width * height * 4).map((_, i) => (i * 7919) % 256);
    const file = join(work, 'pattern.png');
    writeFileSync(file, encodePng(width, height, rgba));
    const read = readWithGdal(file);
    expect([read.bands, read.height, read.width]).toEqual([4, height, width]);
    for (let band = 0; band < 4; band++) {
      for (let i = 0; i < width * height; i++) expect(read.data[band * width * height + i]).toBe(rgba[i * 4 + band]);
    }
  });

  it('rejects a buffer of the wrong size', () => {
    expect(() => encodePng(2, 2, new Uint8Array(15))).toThrow(/expected 16/);
  });
});

describe.skipIf(!hasDemo)('chip warp onto Web Mercator', () => {
  it.skipIf(!hasGdal)('the UTM chip footprint matches gdaltransform at its corners', async () => {
    const info = await chip('jja10');
    const footprint = chipFootprint(chipGridOf(info));
    const gt = info.geoTransform!;
    const corners = [
      [gt[0], gt[3]],
      [gt[0] + 512 * gt[1], gt[3] + 512 * gt[5]],
    ];
    const out = execFileSync('gdaltransform', ['-s_srs', 'EPSG:32721', '-t_srs', 'EPSG:4326', '-output_xy'], {
      input: corners.map((c) => c.join(' ')).join('\n') + '\n',
    })
      .toString()
      .trim()
      .split('\n')
      .map((line) => line.split(/\s+/).map(Number));
    const ring = footprint.ring;
    expect(ring[0]).toEqual(ring[ring.length - 1]);
    const topLeft = ring[0];
    const bottomRight = ring[32];
    expect(topLeft[0]).toBeCloseTo(out[0][0], 8);
    expect(topLeft[1]).toBeCloseTo(out[0][1], 8);
    expect(bottomRight[0]).toBeCloseTo(out[1][0], 8);
    expect(bottomRight[1]).toBeCloseTo(out[1][1], 8);
  });

  it('control-grid interpolation picks the same source pixel as exact proj4 (UTM chip)', async () => {
    const grid = chipGridOf(await chip('jja10'));
    const target = mercatorGridFor(grid, false);
    const map = sourceIndexMap(grid, target);
    let checked = 0;
    let differ = 0;
    let worst = 0;
    for (let row = 0; row < target.height; row += 3) {
      for (let col = 0; col < target.width; col += 3) {
        const [sx, sy] = exactSourcePixel(grid, target, col, row);
        const inside = sx >= 0 && sy >= 0 && sx < grid.width && sy < grid.height;
        const expected = inside ? Math.floor(sy) * grid.width + Math.floor(sx) : -1;
        checked++;
        if (map[row * target.width + col] !== expected) {
          differ++;
          // Only pixel centres within a hair of a source pixel edge may round the other way.
          const edge = Math.min(Math.abs(sx - Math.round(sx)), Math.abs(sy - Math.round(sy)));
          worst = Math.max(worst, 0.5 - edge);
        }
      }
    }
    expect(checked).toBeGreaterThan(20_000);
    expect(differ / checked).toBeLessThan(0.001);
    if (differ > 0) expect(worst).toBeGreaterThan(0.499);
  });

  it.skipIf(!hasGdal)('the warped UTM label agrees with gdalwarp -r near on the same EPSG:3857 grid', async () => {
    const info = await chip('jja10');
    const preview = await chipPreview(info, 'label');
    const [[west, north], , [east, south]] = preview.corners;
    const pngFile = join(work, 'jja10-label.png');
    writeFileSync(pngFile, Buffer.from(preview.pngBase64, 'base64'));
    const warped = join(work, 'jja10-gdalwarp.tif');
    execFileSync('gdalwarp', [
      '-q',
      '-overwrite',
      '-t_srs',
      'EPSG:3857',
      '-r',
      'near',
      '-dstnodata',
      '254',
      '-te',
      String(mercatorX(west)),
      String(mercatorY(south)),
      String(mercatorX(east)),
      String(mercatorY(north)),
      '-ts',
      String(preview.width),
      String(preview.height),
      info.label!.file,
      warped,
    ]);
    const ours = readWithGdal(pngFile);
    const gdal = readWithGdal(warped);
    expect([ours.width, ours.height]).toEqual([gdal.width, gdal.height]);
    const plane = ours.width * ours.height;
    const classOf = (i: number): number => {
      if (ours.data[3 * plane + i] === 0) return 254; // transparent: outside the chip
      const rgb = [ours.data[i], ours.data[plane + i], ours.data[2 * plane + i]];
      if (rgb.every((v, k) => v === LABEL_COLOURS.water[k])) return 1;
      if (rgb.every((v, k) => v === LABEL_COLOURS.notWater[k])) return 0;
      return 255; // not valid
    };
    let agree = 0;
    let insideBoth = 0;
    for (let i = 0; i < plane; i++) {
      const g = gdal.data[i];
      const o = classOf(i);
      if (g !== 254 && o !== 254) insideBoth++;
      if (g === o) agree++;
    }
    // The chip fills all but the thin slivers its (slightly rotated) outline leaves in the bbox.
    expect(insideBoth / plane).toBeGreaterThan(0.98);
    expect(agree / plane).toBeGreaterThan(0.995);
  });

  it('a north-up EPSG:4326 chip keeps its pixels 1:1', async () => {
    const info = await chip('India_900498');
    const grid = chipGridOf(info);
    const target = mercatorGridFor(grid, true);
    expect([target.width, target.height]).toEqual([grid.width, grid.height]);
    const map = sourceIndexMap(grid, target);
    let same = 0;
    for (let i = 0; i < map.length; i++) if (map[i] === i) same++;
    expect(same).toBe(map.length);
  });
});
