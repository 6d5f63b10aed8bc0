import type { CanonicalBand } from '../../api/dataset.ts';

/**
 * Clay v1.5 per-platform metadata for the platforms our chips come from: band order, wavelength (µm),
 * normalisation mean/std and gsd (m). Source: Clay-foundation/model `configs/metadata.yaml` (git blob
 * d18ebba, commit a5790ce), the file Clay's datamodule and `ClayMAE.forward` read, as recorded in
 * ../shared/fixtures/clay-v1.5/clay-v1.5-tiny.json (`sets.*`). Sentinel-1 RTC is normalised in dB
 * (mean −12.1 / −18.7 dB); Sentinel-2 L2A in reflectance × 10000.
 */
export interface ClayV15Platform {
  name: 'sentinel-1-rtc' | 'sentinel-2-l2a';
  gsd: number;
  bands: { band: CanonicalBand; clayName: string; wavelength: number; mean: number; std: number }[];
}

export const CLAY_V15_SENTINEL1: ClayV15Platform = {
  name: 'sentinel-1-rtc',
  gsd: 10,
  bands: [
    { band: 'VV', clayName: 'vv', wavelength: 3.5, mean: -12.113, std: 8.314 },
    { band: 'VH', clayName: 'vh', wavelength: 4.0, mean: -18.673, std: 8.017 },
  ],
};

export const CLAY_V15_SENTINEL2: ClayV15Platform = {
  name: 'sentinel-2-l2a',
  gsd: 10,
  bands: [
    { band: 'B02', clayName: 'blue', wavelength: 0.493, mean: 1105, std: 1809 },
    { band: 'B03', clayName: 'green', wavelength: 0.56, mean: 1355, std: 1757 },
    { band: 'B04', clayName: 'red', wavelength: 0.665, mean: 1552, std: 1888 },
    { band: 'B05', clayName: 'rededge1', wavelength: 0.704, mean: 1887, std: 1870 },
    { band: 'B06', clayName: 'rededge2', wavelength: 0.74, mean: 2422, std: 1732 },
    { band: 'B07', clayName: 'rededge3', wavelength: 0.783, mean: 2630, std: 1697 },
    { band: 'B08', clayName: 'nir', wavelength: 0.842, mean: 2743, std: 1742 },
    { band: 'B8A', clayName: 'nir08', wavelength: 0.865, mean: 2785, std: 1648 },
    { band: 'B11', clayName: 'swir16', wavelength: 1.61, mean: 2388, std: 1470 },
    { band: 'B12', clayName: 'swir22', wavelength: 2.19, mean: 1835, std: 1379 },
  ],
};

/** Which platform a v1.5 embedding is computed from: Clay never saw S1 and S2 mixed in one datacube. */
export type ClayV15PlatformChoice = 'auto' | 'sentinel-1-rtc' | 'sentinel-2-l2a';
