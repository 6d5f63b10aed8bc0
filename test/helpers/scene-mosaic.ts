/**
 * Test scenes made of REAL chips: Sen1Floods11 S1 chips (VV, VH in dB, EPSG:4326) laid side by side
 * into one odd-sized raster by a GDAL VRT and written as a tiled GeoTIFF by gdal_translate. The pixels
 * are real; the mosaic takes the first chip's CRS, origin and pixel size.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { sharedData } from './shared.ts';

export interface MosaicOptions {
  width: number;
  height: number;
  /** Chip edge (Sen1Floods11: 512). */
  chip?: number;
  /** Write band descriptions VV, VH (default true). */
  descriptions?: boolean;
}

export function s1Chips(): string[] {
  const dir = sharedData('sen1floods11', 's1_label');
  return readdirSync(dir)
    .filter((name) => name.endsWith('_S1Hand.tif'))
    .sort()
    .map((name) => `${dir}/${name}`);
}

function originOf(file: string): { x: number; y: number; px: number; py: number } {
  const info = JSON.parse(execFileSync('gdalinfo', ['-json', file], { encoding: 'utf8' })) as { geoTransform: number[] };
  const [x, px, , y, , py] = info.geoTransform;
  return { x, y, px, py };
}

/** Writes `out` (GeoTIFF, tiled 256, DEFLATE) from real chips tiled row by row, cycling through them. */
export function buildChipMosaic(out: string, options: MosaicOptions): void {
  const chip = options.chip ?? 512;
  const chips = s1Chips();
  const { x, y, px, py } = originOf(chips[0]);
  const sources = (band: number) => {
    const lines: string[] = [];
    let k = 0;
    for (let oy = 0; oy < options.height; oy += chip) {
      for (let ox = 0; ox < options.width; ox += chip) {
        const file = chips[k++ % chips.length];
        const w = Math.min(chip, options.width - ox);
        const h = Math.min(chip, options.height - oy);
        lines.push(
          `<SimpleSource><SourceFilename relativeToVRT="0">${file}</SourceFilename><SourceBand>${band}</SourceBand>` +
            `<SrcRect xOff="0" yOff="0" xSize="${w}" ySize="${h}"/><DstRect xOff="${ox}" yOff="${oy}" xSize="${w}" ySize="${h}"/></SimpleSource>`,
        );
      }
    }
    return lines.join('\n');
  };
  const band = (index: number, name: string) =>
    `<VRTRasterBand dataType="Float32" band="${index}">${options.descriptions === false ? '' : `<Description>${name}</Description>`}<NoDataValue>nan</NoDataValue>\n${sources(index)}\n</VRTRasterBand>`;
  const vrt =
    `<VRTDataset rasterXSize="${options.width}" rasterYSize="${options.height}"><SRS>EPSG:4326</SRS>` +
    `<GeoTransform>${x}, ${px}, 0, ${y}, 0, ${py}</GeoTransform>\n${band(1, 'VV')}\n${band(2, 'VH')}\n</VRTDataset>`;
  const vrtPath = `${out}.vrt`;
  writeFileSync(vrtPath, vrt);
  execFileSync('gdal_translate', [
    '-q',
    '-of',
    'GTiff',
    '-co',
    'TILED=YES',
    '-co',
    'COMPRESS=DEFLATE',
    '-co',
    'BLOCKXSIZE=256',
    '-co',
    'BLOCKYSIZE=256',
    vrtPath,
    out,
  ]);
}
