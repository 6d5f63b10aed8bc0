/** Loads a chip's pixels (any band order) and label masks, from an inspected ChipInfo. */
import type { CanonicalBand, ChipInfo } from '../../api/dataset.ts';
import { readBands } from '../geo/geotiff-file.ts';
import { ChipReadError, asChipReadError } from '../geo/errors.ts';
import { labelMasks } from './label.ts';

export interface ChipRaster {
  info: ChipInfo;
  width: number;
  height: number;
  /** Band order of `pixels`. */
  bands: CanonicalBand[];
  /** [bands, height, width] row-major, raw file values as float32, NaN where nodata or the band is missing. */
  pixels: Float32Array;
  /** Per band: false when the chip has no such band (or it is all nodata). */
  present: boolean[];
  /** Binary label and valid mask ([height, width], 0/1), or null when the chip has no usable label. */
  label: { water: Uint8Array; valid: Uint8Array } | null;
}

export interface ReadChipOptions {
  /** Bands to load, in this order (default: the chip's own bands). */
  bands?: readonly CanonicalBand[];
}

/** Reads pixels in the requested band order. Throws ChipReadError when the chip has no usable grid. */
export async function readChip(info: ChipInfo, options: ReadChipOptions = {}): Promise<ChipRaster> {
  const { width, height } = info;
  const firstFile = info.files[0] ?? info.id;
  if (width === null || height === null) throw new ChipReadError('corrupt-tiff', firstFile, `chip ${info.id} has no readable image`);
  const bands = [...(options.bands ?? info.bands)];
  const plane = width * height;
  const pixels = new Float32Array(bands.length * plane).fill(Number.NaN);
  const present = bands.map(() => false);

  const wanted = info.bandDetails.filter((b) => b.name !== null && !b.empty && bands.includes(b.name));
  const byFile = new Map<string, typeof wanted>();
  for (const band of wanted) byFile.set(band.file, [...(byFile.get(band.file) ?? []), band]);
  for (const [file, details] of byFile) {
    let arrays;
    try {
      arrays = await readBands(
        file,
        details.map((d) => d.index),
      );
    } catch (error) {
      throw asChipReadError(error, file);
    }
    details.forEach((detail, k) => {
      const target = bands.indexOf(detail.name!);
      if (present[target]) return; // first file that has the band wins
      const nodata = detail.nodata === 'NaN' ? Number.NaN : detail.nodata;
      const source = arrays[k];
      const out = pixels.subarray(target * plane, (target + 1) * plane);
      for (let i = 0; i < plane; i++) {
        const v = source[i];
        out[i] = v === nodata ? Number.NaN : v;
      }
      present[target] = true;
    });
  }

  let label: ChipRaster['label'] = null;
  if (info.label) {
    const [values] = await readBands(info.label.file, [0]).catch((error) => {
      throw asChipReadError(error, info.label!.file);
    });
    const masks = labelMasks(values, info.label.encoding);
    label = { water: masks.water, valid: masks.valid };
  }
  return { info, width, height, bands, pixels, present, label };
}
