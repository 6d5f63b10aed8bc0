/**
 * A real chip turned into one Clay encoder input (batch of 1), exactly as each encoder version was
 * trained, plus what the chip lacked. v0: 13 bands in v0 order, v0 statistics, S1 as linear power,
 * v0 latlon/timestep. v1.5: the bands the chip has from one platform, with their wavelengths,
 * metadata.yaml statistics (S1 in dB) and gsd, v1.5 time/latlon.
 */
import type { CanonicalBand, ChipInfo, S1Units } from '../../api/dataset.ts';
import type { ClayBatch } from '../clay/types.ts';
import { CLAY_V0_BANDS, clayLatLon, clayTimestep, normaliseClayV0 } from '../dataset/clay-v0.ts';
import { readChip, type ChipRaster } from '../dataset/read.ts';
import { wgs84Centre } from '../geo/bbox.ts';
import { CLAY_V15_SENTINEL1, CLAY_V15_SENTINEL2, type ClayV15Platform, type ClayV15PlatformChoice } from './clay-v15-metadata.ts';
import { clayV15LatLon, clayV15Time } from './clay-time-location.ts';

export class ClayInputError extends Error {
  constructor(
    readonly chipId: string,
    problem: string,
  ) {
    super(`chip ${chipId}: ${problem}`);
    this.name = 'ClayInputError';
  }
}

export interface ClayInputOptions {
  /** v1.5: which platform's bands to use; `auto` = Sentinel-1 when the chip has VV or VH, else Sentinel-2. */
  platform?: ClayV15PlatformChoice;
  /** v1.5: latlon pair order (default `training`, see clay-time-location.ts). */
  latlonOrder?: 'training' | 'tutorial';
  /**
   * Side of the square tiles a chip is encoded in, their patch grids stitched into the chip's grid
   * (embedding/encoder-tiles.ts); 0 = the whole chip in one forward; absent/null = the version's default:
   * Clay v1.5 {@link CLAY_V15_DEFAULT_TILE} (why: docs/EMBEDDINGS.md), Clay v0 the whole chip (it only takes 512²).
   */
  encoderTile?: number | null;
}

/** Clay v1.5 was trained on 256² chips; on CPU a 512² forward costs 2.5–4× more per area (test/bench/clay-full-size-v15.ts). */
export const CLAY_V15_DEFAULT_TILE = 256;

/** The tile side an encoder version encodes chips in, null = whole chips. */
export function encoderTileFor(version: 'v0' | 'v1.5', requested: number | null | undefined): number | null {
  if (requested !== undefined && requested !== null && (!Number.isInteger(requested) || requested < 0)) {
    throw new Error(`encoder tile must be a whole number of pixels (0 = whole chips), got ${requested}`);
  }
  if (version === 'v0') {
    if (requested) throw new Error(`Clay v0 encodes whole 512² chips only: an encoder tile (${requested}) applies to Clay v1.5`);
    return null;
  }
  if (requested === 0) return null;
  return requested ?? CLAY_V15_DEFAULT_TILE;
}

export interface ClayChipInput {
  batch: ClayBatch;
  /** Short description of the recipe, e.g. `clay-v1.5 sentinel-1-rtc [VV, VH]`. */
  recipe: string;
  /** Inputs the chip lacked and what was used instead (recorded per chip in the embeddings index). */
  missingInputs: string[];
  /** Bands the encoder requires that the chip lacked, fed as 0 after normalisation (v0 only; v1.5 takes any subset). */
  zeroFilledBands: string[];
}

/** The tile side a cache's recipe id records (null = whole chips). */
export function encoderTileOfRecipe(recipe: string | undefined): number | null {
  const tile = /\/tile-(\d+)$/.exec(recipe ?? '');
  return tile ? Number(tile[1]) : null;
}

/** The recipe identity of a cache: embeddings made with different input options are not interchangeable. */
export function inputRecipeId(version: 'v0' | 'v1.5', options: ClayInputOptions = {}): string {
  if (version === 'v0') return 'clay-v0/v0-stats/s1-linear';
  // Whole-chip v1.5 keeps the id older caches carry, so they stay valid for it and are refused for tiles.
  const tile = encoderTileFor(version, options.encoderTile);
  return `clay-v1.5/${options.platform ?? 'auto'}/latlon-${options.latlonOrder ?? 'training'}${tile === null ? '' : `/tile-${tile}`}`;
}

/** Pixels an encoder input is built from: a chip read whole, or one window of a scene. */
export type ClayRaster = Pick<ChipRaster, 'width' | 'height' | 'bands' | 'pixels' | 'present'>;

/** What the encoder learns besides pixels: where and when (null = unknown, fed as 0), and the S1 units. */
export interface ClayRasterContext {
  /** Named in errors: a chip id or a scene file. */
  id: string;
  /** WGS84 [lon, lat] of the chip (or scene) centre. */
  centre: [number, number] | null;
  date: string | null;
  s1Units: S1Units | null;
}

export async function clayInputForChip(chip: ChipInfo, version: 'v0' | 'v1.5', options: ClayInputOptions = {}): Promise<ClayChipInput> {
  if (chip.width === null || chip.height === null) throw new ClayInputError(chip.id, 'has no readable image');
  const context: ClayRasterContext = { id: chip.id, centre: centre(chip), date: chip.date, s1Units: chip.s1Units };
  if (version === 'v0') return clayV0Input(await readChip(chip, { bands: CLAY_V0_BANDS }), context);
  const platform = choosePlatform((band) => chip.bands.includes(band) && !chip.emptyBands.includes(band), options.platform ?? 'auto');
  const raster = await readChip(chip, { bands: platform.bands.map((b) => b.band) });
  return clayV15Input(raster, context, platform, options);
}

/** The bands an encoder input is read from; v1.5 picks its platform from the bands that have data. */
export function clayBandsFor(
  version: 'v0' | 'v1.5',
  has: (band: CanonicalBand) => boolean,
  options: ClayInputOptions = {},
): { bands: readonly CanonicalBand[]; platform: ClayV15Platform | null } {
  if (version === 'v0') return { bands: CLAY_V0_BANDS, platform: null };
  const platform = choosePlatform(has, options.platform ?? 'auto');
  return { bands: platform.bands.map((b) => b.band), platform };
}

/** The encoder input of pixels already read in the order {@link clayBandsFor} gave (`platform` from it for v1.5). */
export function clayInputForRaster(
  raster: ClayRaster,
  context: ClayRasterContext,
  version: 'v0' | 'v1.5',
  platform: ClayV15Platform | null,
  options: ClayInputOptions = {},
): ClayChipInput {
  return version === 'v0' ? clayV0Input(raster, context) : clayV15Input(raster, context, platform!, options);
}

function centre(chip: ChipInfo): [number, number] | null {
  if (!chip.bbox || !chip.proj4) return null;
  return wgs84Centre(chip.bbox, { epsg: chip.epsg, proj4: chip.proj4, isGeographic: false });
}

function nodataNote(band: string, count: number, plane: number): string | null {
  if (count === 0 || count === plane) return null;
  return `${band}: ${count} nodata pixel(s) set to the band mean (0 after normalisation)`;
}

function clayV0Input(raster: ClayRaster, context: ClayRasterContext): ClayChipInput {
  const normalised = normaliseClayV0(raster, context.s1Units);
  const plane = raster.width * raster.height;
  const missingInputs: string[] = [];
  if (normalised.missingBands.length > 0)
    missingInputs.push(`bands ${normalised.missingBands.join(', ')} missing: fed as zeros (0 after normalisation = the v0 mean)`);
  CLAY_V0_BANDS.forEach((band, i) => {
    const note = nodataNote(band, normalised.nodataPixels[i], plane);
    if (note) missingInputs.push(note);
  });
  let latlon: [number, number] = [0, 0];
  if (context.centre) latlon = clayLatLon(context.centre[0], context.centre[1]);
  else missingInputs.push('no CRS: latlon set to 0');
  let timestep: [number, number, number] = [0, 0, 0];
  if (context.date) timestep = clayTimestep(context.date);
  else missingInputs.push('no date: timestep set to 0');
  if (normalised.s1UnitsAssumed === 'dB' && context.s1Units === null)
    missingInputs.push('S1 units unknown: assumed dB and converted to linear power');
  return {
    batch: {
      pixels: normalised.pixels,
      shape: [1, 13, raster.height, raster.width],
      latlon: Float32Array.from(latlon),
      time: Float32Array.from(timestep),
    },
    recipe: 'clay-v0 13 bands (v0 order, v0 statistics, S1 linear power)',
    missingInputs,
    zeroFilledBands: [...normalised.missingBands],
  };
}

function choosePlatform(has: (band: CanonicalBand) => boolean, choice: ClayV15PlatformChoice): ClayV15Platform {
  if (choice === 'sentinel-1-rtc') return CLAY_V15_SENTINEL1;
  if (choice === 'sentinel-2-l2a') return CLAY_V15_SENTINEL2;
  return CLAY_V15_SENTINEL1.bands.some((b) => has(b.band)) ? CLAY_V15_SENTINEL1 : CLAY_V15_SENTINEL2;
}

function clayV15Input(raster: ClayRaster, context: ClayRasterContext, platform: ClayV15Platform, options: ClayInputOptions): ClayChipInput {
  const wanted = platform.bands.map((b) => b.band);
  if (raster.bands.length !== wanted.length || raster.bands.some((band, i) => band !== wanted[i]))
    throw new Error(`Clay v1.5 ${platform.name} input needs bands ${wanted.join(', ')} in this order, got ${raster.bands.join(', ')}`);
  const used = platform.bands.filter((_, i) => raster.present[i]);
  if (used.length === 0)
    throw new ClayInputError(context.id, `has no ${platform.name} band Clay v1.5 knows (${platform.bands.map((b) => b.band).join(', ')})`);
  const plane = raster.width * raster.height;
  const pixels = new Float32Array(used.length * plane);
  const missingInputs: string[] = [];
  const absent = platform.bands.filter((_, i) => !raster.present[i]).map((b) => b.band);
  if (absent.length > 0)
    missingInputs.push(`${platform.name} bands ${absent.join(', ')} absent: encoded without them (v1.5 takes any band subset)`);
  const toDb = platform === CLAY_V15_SENTINEL1 && context.s1Units === 'linear';
  if (platform === CLAY_V15_SENTINEL1 && context.s1Units === null) missingInputs.push('S1 units unknown: assumed dB');
  used.forEach((meta, c) => {
    const source = raster.bands.indexOf(meta.band);
    const input = raster.pixels.subarray(source * plane, (source + 1) * plane);
    const out = pixels.subarray(c * plane, (c + 1) * plane);
    let nodata = 0;
    for (let i = 0; i < plane; i++) {
      let v = input[i];
      if (toDb) v = v > 0 ? 10 * Math.log10(v) : Number.NaN;
      if (Number.isNaN(v)) {
        nodata++;
        continue; // 0 = the band mean after normalisation
      }
      out[i] = (v - meta.mean) / meta.std;
    }
    const note = nodataNote(meta.band, nodata, plane);
    if (note) missingInputs.push(note);
    else if (nodata === plane) missingInputs.push(`${meta.band}: every pixel is nodata`);
  });
  // Clay pre-training zeroed time and latlon for 20 % of chips: 0 is a value the encoder knows for "unknown".
  let latlon = [0, 0, 0, 0];
  if (context.centre) latlon = clayV15LatLon(context.centre[0], context.centre[1], options.latlonOrder ?? 'training');
  else missingInputs.push('no CRS: latlon set to 0 (as Clay pre-training did for unknown locations)');
  let time = [0, 0, 0, 0];
  if (context.date) time = clayV15Time(context.date);
  else missingInputs.push('no date: time set to 0 (as Clay pre-training did for unknown dates)');
  return {
    batch: {
      pixels,
      shape: [1, used.length, raster.height, raster.width],
      latlon: Float32Array.from(latlon),
      time: Float32Array.from(time),
      waves: used.map((b) => b.wavelength),
      gsd: platform.gsd,
    },
    recipe: `clay-v1.5 ${platform.name} [${used.map((b) => b.band).join(', ')}] gsd ${platform.gsd}`,
    missingInputs,
    zeroFilledBands: [],
  };
}
