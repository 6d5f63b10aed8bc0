import type { CanonicalBand, ChipInfo, S1Units } from '../../api/dataset.ts';
import type { InputNormalisation } from '../../api/run.ts';
import { CLAY_V0_BANDS, normaliseClayV0 } from '../dataset/clay-v0.ts';
import { isS1Band } from '../dataset/bands.ts';
import { readChip, type ChipRaster } from '../dataset/read.ts';

/** The pixels a normaliser needs: bands in `bands` order, [bands, height, width], NaN where nodata. */
export type RasterPixels = Pick<ChipRaster, 'width' | 'height' | 'bands' | 'pixels' | 'present'>;

/** Sentinel-1 in dB whatever the file holds: standardising dB spreads water and land far apart. */
function pixelsInDb<R extends RasterPixels>(raster: R, s1Units: S1Units | null): R {
  if (s1Units !== 'linear') return raster;
  const plane = raster.width * raster.height;
  const pixels = raster.pixels.slice();
  raster.bands.forEach((band, b) => {
    if (!isS1Band(band)) return;
    for (let i = b * plane; i < (b + 1) * plane; i++) pixels[i] = 10 * Math.log10(pixels[i]);
  });
  return { ...raster, pixels };
}

const rasterInDb = (raster: ChipRaster): ChipRaster => pixelsInDb(raster, raster.info.s1Units);

/**
 * Normalises raw pixels (read in CLAY_V0_BANDS order for `clay-v0`, in `bands` order otherwise) for a
 * pixel model: [bands.length, height, width], nodata and missing bands 0. Chips and scene windows share it.
 */
export function normalisePixels(
  raster: RasterPixels,
  bands: readonly CanonicalBand[],
  normalisation: InputNormalisation,
  s1Units: S1Units | null,
): Float32Array {
  const plane = raster.width * raster.height;
  const pixels = new Float32Array(bands.length * plane);
  if (normalisation.kind === 'clay-v0') {
    const normalised = normaliseClayV0(raster, s1Units);
    bands.forEach((band, c) => {
      const source = CLAY_V0_BANDS.indexOf(band);
      pixels.set(normalised.pixels.subarray(source * plane, (source + 1) * plane), c * plane);
    });
    return pixels;
  }
  const inDb = pixelsInDb(raster, s1Units);
  bands.forEach((band, c) => {
    const index = normalisation.bands.indexOf(band);
    if (index < 0) throw new Error(`the run's normalisation has no statistics for band ${band}`);
    const mean = normalisation.mean[index];
    const std = normalisation.std[index];
    for (let i = 0; i < plane; i++) {
      const v = inDb.pixels[c * plane + i];
      pixels[c * plane + i] = Number.isNaN(v) || !Number.isFinite(v) ? 0 : (v - mean) / std;
    }
  });
  return pixels;
}

/** Where normalisePixels wants the raw bands read: Clay v0's 13 for `clay-v0`, else the model's own. */
export const rawBandsFor = (bands: readonly CanonicalBand[], normalisation: InputNormalisation): readonly CanonicalBand[] =>
  normalisation.kind === 'clay-v0' ? CLAY_V0_BANDS : bands;

/**
 * Reads `bands` of a chip normalised as the run says: Clay v0 statistics (what the Clay encoder was
 * trained with) or the run's own per-band mean/std (S1 in dB). Nodata and missing bands become 0.
 * Returns the raster too, for validity masks.
 */
export async function readNormalised(
  chip: ChipInfo,
  bands: readonly CanonicalBand[],
  normalisation: InputNormalisation,
): Promise<{ pixels: Float32Array; raster: ChipRaster }> {
  const raster = await readChip(chip, { bands: rawBandsFor(bands, normalisation) });
  return { pixels: normalisePixels(raster, bands, normalisation, chip.s1Units), raster };
}

/** Per-band mean and standard deviation over the valid pixels of `chips` (S1 in dB). */
export async function datasetStatistics(chips: readonly ChipInfo[], bands: readonly CanonicalBand[]): Promise<InputNormalisation> {
  const sum = new Float64Array(bands.length);
  const sumSquares = new Float64Array(bands.length);
  const count = new Float64Array(bands.length);
  for (const chip of chips) {
    const raster = rasterInDb(await readChip(chip, { bands }));
    const plane = raster.width * raster.height;
    bands.forEach((_, c) => {
      for (let i = c * plane; i < (c + 1) * plane; i++) {
        const v = raster.pixels[i];
        if (!Number.isFinite(v)) continue;
        sum[c] += v;
        sumSquares[c] += v * v;
        count[c]++;
      }
    });
  }
  const mean = bands.map((_, c) => (count[c] > 0 ? sum[c] / count[c] : 0));
  const std = bands.map((_, c) => {
    if (count[c] < 2) return 1;
    const variance = sumSquares[c] / count[c] - mean[c] ** 2;
    return variance > 1e-12 ? Math.sqrt(variance) : 1;
  });
  return { kind: 'dataset', bands: [...bands], mean, std, s1Units: 'dB' };
}
