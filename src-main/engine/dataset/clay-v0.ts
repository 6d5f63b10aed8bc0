/**
 * Clay v0 inputs: normalisation to the v0 statistics (13 bands, S1 as linear power) and the batch record
 * of Clay's datamodule (`pixels, labels, bbox, epsg, date, latlon, timestep, source_url`).
 */
import type { CanonicalBand, ChipInfo } from '../../api/dataset.ts';
import { wgs84Centre, type Bbox } from '../geo/bbox.ts';
import { ChipReadError } from '../geo/errors.ts';
import { isS1Band } from './bands.ts';
import { CLAY_V0_BANDS, CLAY_V0_MEAN, CLAY_V0_STD } from './clay-v0-stats.ts';
import { readChip, type ChipRaster } from './read.ts';

export { CLAY_V0_BANDS, CLAY_V0_MEAN, CLAY_V0_STD };

export interface ClayV0Normalised {
  /** [13, H, W] in CLAY_V0_BANDS order; missing bands and nodata pixels are 0. */
  pixels: Float32Array;
  missingBands: CanonicalBand[];
  /** Per Clay band, pixels that were nodata (NaN) and set to 0 (whole plane for a missing band). */
  nodataPixels: number[];
  /** Units the S1 bands were taken to be in before conversion to linear power. */
  s1UnitsAssumed: 'dB' | 'linear' | null;
}

/** Normalises a raster (any band set) to Clay v0: (x − mean) / std, S1 converted dB → linear first. */
export function normaliseClayV0(
  raster: Pick<ChipRaster, 'width' | 'height' | 'bands' | 'pixels' | 'present'> & { info?: ChipRaster['info'] },
  s1Units: 'dB' | 'linear' | null = raster.info?.s1Units ?? null,
): ClayV0Normalised {
  const plane = raster.width * raster.height;
  const pixels = new Float32Array(CLAY_V0_BANDS.length * plane);
  const missingBands: CanonicalBand[] = [];
  const nodataPixels: number[] = [];
  const hasS1 = CLAY_V0_BANDS.some((b) => isS1Band(b) && raster.present[raster.bands.indexOf(b)]);
  const unitsAssumed = hasS1 ? (s1Units ?? 'dB') : null;
  CLAY_V0_BANDS.forEach((band, c) => {
    const source = raster.bands.indexOf(band);
    if (source < 0 || !raster.present[source]) {
      missingBands.push(band);
      nodataPixels.push(plane);
      return;
    }
    const mean = CLAY_V0_MEAN[c];
    const std = CLAY_V0_STD[c];
    const toLinear = isS1Band(band) && unitsAssumed === 'dB';
    const input = raster.pixels.subarray(source * plane, (source + 1) * plane);
    const out = pixels.subarray(c * plane, (c + 1) * plane);
    let nodata = 0;
    for (let i = 0; i < plane; i++) {
      let v = input[i];
      if (Number.isNaN(v)) {
        nodata++;
        continue; // stays 0
      }
      if (toLinear) v = Math.pow(10, v / 10);
      out[i] = (v - mean) / std;
    }
    nodataPixels.push(nodata);
  });
  return { pixels, missingBands, nodataPixels, s1UnitsAssumed: unitsAssumed };
}

/** Clay v0 `normalize_timestamp`: each of year, month, day through atan2(cos r, sin r). */
export function clayTimestep(isoDate: string): [number, number, number] {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(isoDate);
  if (!match) throw new Error(`not an ISO date: ${isoDate}`);
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const radians = [(2 * Math.PI * (year - 2012)) / (2030 - 2012), (2 * Math.PI * (month - 1)) / 11, (2 * Math.PI * (day - 1)) / 30];
  return radians.map((r) => Math.atan2(Math.cos(r), Math.sin(r))) as [number, number, number];
}

/** Clay v0 `normalize_latlon`, returned in Clay's (lat', lon') order: [sin(lat), atan2(cos lon, sin lon)]. */
export function clayLatLon(lonDegrees: number, latDegrees: number): [number, number] {
  const lon = (lonDegrees * Math.PI) / 180;
  const lat = (latDegrees * Math.PI) / 180;
  return [Math.sin(lat), Math.atan2(Math.cos(lon), Math.sin(lon))];
}

export interface ClayLocationOptions {
  /**
   * Compatibility with Clay's c2smsfloods datamodule, which fed the chip's projected (UTM metre) bbox
   * centroid into `normalize_latlon` as if it were degrees. Default false: the true WGS84 centre.
   */
  latlonFromProjectedCentroid?: boolean;
}

/** `latlon` for a chip bbox in its CRS. */
export function clayLatLonForBbox(bbox: Bbox, proj4Def: string, epsg: number | null, options: ClayLocationOptions = {}): [number, number] {
  if (options.latlonFromProjectedCentroid) return clayLatLon((bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2);
  const [lon, lat] = wgs84Centre(bbox, { epsg, proj4: proj4Def, isGeographic: false });
  return clayLatLon(lon, lat);
}

/** One record of Clay v0's batch, per chip. */
export interface ClayV0Batch {
  pixels: Float32Array;
  pixelsShape: [13, number, number];
  /** 1 = water, 0 = not water or not valid (see `labelValid`). */
  labels: Float32Array;
  labelsShape: [1, number, number];
  /** 1 where the label is valid; null when the chip has no label (labels then all 0). */
  labelValid: Uint8Array | null;
  bbox: Float64Array;
  /** int32 in Clay's batch. */
  epsg: number;
  date: string;
  latlon: Float32Array;
  timestep: Float32Array;
  source_url: string;
  missingBands: CanonicalBand[];
  nodataPixels: number[];
}

export interface ClayV0BatchOptions extends ClayLocationOptions {
  /** Date to use when the chip has none (Clay needs one for `timestep`). */
  fallbackDate?: string;
  s1Units?: 'dB' | 'linear';
}

/** Builds the batch record from an already read raster. Throws ChipReadError when CRS or date are unknown. */
export function clayV0BatchFromRaster(raster: ChipRaster, options: ClayV0BatchOptions = {}): ClayV0Batch {
  const info: ChipInfo = raster.info;
  const file = info.files[0] ?? info.id;
  if (!info.bbox || !info.proj4 || info.epsg === null)
    throw new ChipReadError('no-crs', file, `chip ${info.id} has no EPSG CRS; Clay needs bbox + epsg`);
  const date = info.date ?? options.fallbackDate;
  if (!date) throw new ChipReadError('no-date', file, `chip ${info.id} has no date; pass fallbackDate or set it in a manifest`);
  const normalised = normaliseClayV0(raster, options.s1Units ?? info.s1Units);
  const plane = raster.width * raster.height;
  const labels = new Float32Array(plane);
  if (raster.label) for (let i = 0; i < plane; i++) labels[i] = raster.label.water[i];
  return {
    pixels: normalised.pixels,
    pixelsShape: [13, raster.height, raster.width],
    labels,
    labelsShape: [1, raster.height, raster.width],
    labelValid: raster.label?.valid ?? null,
    bbox: Float64Array.from(info.bbox),
    epsg: info.epsg,
    date,
    latlon: Float32Array.from(clayLatLonForBbox(info.bbox, info.proj4, info.epsg, options)),
    timestep: Float32Array.from(clayTimestep(date)),
    source_url: file,
    missingBands: normalised.missingBands,
    nodataPixels: normalised.nodataPixels,
  };
}

/** Reads a chip and builds its Clay v0 batch record. */
export async function toClayV0Batch(info: ChipInfo, options: ClayV0BatchOptions = {}): Promise<ClayV0Batch> {
  const raster = await readChip(info, { bands: CLAY_V0_BANDS });
  return clayV0BatchFromRaster(raster, options);
}
