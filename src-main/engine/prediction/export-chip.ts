import { join } from 'node:path';
import type { ChipInfo } from '../../api/dataset.ts';
import { writeGeoTiff } from '../export/geotiff-writer.ts';
import { MASK_NODATA } from './masks.ts';

export interface ExportedChipFiles {
  mask: string;
  probabilities: string | null;
}

/** Safe file stem for a chip id (ids come from file names, but a manifest can say anything). */
export function chipFileStem(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
}

/**
 * A distinct file stem for every chip id, so no output overwrites another: ids that are already safe keep
 * their name; an id whose sanitised stem collides (`"chip a"` and `"chip_a"`, or names differing only in
 * case, which collide on macOS/Windows) gets `-2`, `-3`… Duplicate ids are refused.
 */
export function uniqueFileStems(ids: readonly string[]): Map<string, string> {
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) throw new Error(`chip id "${id}" appears more than once: each chip needs its own id (its outputs would overwrite each other)`);
    seen.add(id);
  }
  const stems = new Map<string, string>();
  const taken = new Set<string>();
  const claim = (id: string, stem: string) => {
    stems.set(id, stem);
    taken.add(stem.toLowerCase());
  };
  for (const id of ids) if (chipFileStem(id) === id && !taken.has(id.toLowerCase())) claim(id, id);
  for (const id of ids) {
    if (stems.has(id)) continue;
    const base = chipFileStem(id);
    let stem = base;
    for (let n = 2; taken.has(stem.toLowerCase()); n++) stem = `${base}-${n}`;
    claim(id, stem);
  }
  return stems;
}

/**
 * Writes `<chipId>_mask.tif` (uint8: 1 water, 0 not water, 255 no data) and optionally
 * `<chipId>_prob.tif` (float32 0..1, NaN no data) on the chip's own grid: same size, EPSG and geotransform.
 */
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
  const mask = join(outDir, `${stem}_mask.tif`);
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
