import { join } from 'node:path';
import type { ChipInfo } from '../../api/dataset.ts';
import { writeGeoTiff } from '../export/geotiff-writer.ts';
import { chipFileStem } from '../fs/chip-file-stem.ts';
import { MASK_NODATA } from '../export/masks.ts';

export interface ExportedChipFiles {
  mask: string;
  probabilities: string | null;
}

/**
 * Writes `<chipId>_mask.tif` (uint8: 1 water, 0 not water, 255 no data) and optionally
 * `<chipId>_prob.tif` (float32 0..1, NaN no data) on the chip's own grid: same size, EPSG and geotransform.
 */
/** The mask file a chip's export writes (inside the run's export folder), from the chip's file stem. */
export const maskFileName = (stem: string) => `${stem}_mask.tif`;

export async function exportChipPrediction(
  chip: ChipInfo,
  prediction: { mask: Uint8Array; probabilities: Float32Array | null },
  outDir: string,
  provenance: Record<string, string>,
  stem = chipFileStem(chip.id),
): Promise<ExportedChipFiles> {
  if (chip.epsg === null || chip.geoTransform === null || chip.width === null || chip.height === null) {
    throw new Error(`chip ${chip.id} has no CRS or geotransform: cannot export a georeferenced mask`);
  }
  const grid = { width: chip.width, height: chip.height, epsg: chip.epsg, geoTransform: chip.geoTransform };
  const mask = join(outDir, maskFileName(stem));
  await writeGeoTiff(mask, {
    ...grid,
    dtype: 'uint8',
    bands: [prediction.mask],
    nodata: MASK_NODATA,
    descriptions: ['water mask (1 water, 0 not water, 255 no data)'],
    metadata: provenance,
  });
  let probabilities: string | null = null;
  if (prediction.probabilities) {
    probabilities = join(outDir, `${stem}_prob.tif`);
    await writeGeoTiff(probabilities, {
      ...grid,
      dtype: 'float32',
      bands: [prediction.probabilities],
      nodata: Number.NaN,
      descriptions: ['water probability'],
      metadata: provenance,
    });
  }
  return { mask, probabilities };
}
