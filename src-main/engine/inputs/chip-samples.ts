import { createHash } from 'node:crypto';
import { hashRegularFile } from '../fs/regular-file.ts';
import type { CanonicalBand, ChipInfo, DatasetInspection } from '../../api/dataset.ts';
import type { InputNormalisation } from '../../api/run.ts';
import { CLAY_V0_BANDS } from '../dataset/clay-v0.ts';
import { isReadable } from '../dataset/inspect.ts';
import { readNormalised } from './input-normalisation.ts';
import type { Sample } from './augment.ts';

/** Chips a model can learn from or be scored on: readable, with a label that has valid pixels. */
export function labelledChips(inspection: DatasetInspection): ChipInfo[] {
  return inspection.chips.filter((chip) => isReadable(chip) && chip.label !== null && chip.label.validPixels > 0);
}

/**
 * The Clay v0 bands (in Clay v0 order) that hold data in at least one chip.
 * A Sentinel-1-only dataset trains on [VH, VV]; a full datacube on all 13.
 */
export function inputBandsOf(chips: readonly ChipInfo[]): CanonicalBand[] {
  const withData = new Set(chips.flatMap(bandsWithData));
  return CLAY_V0_BANDS.filter((band) => withData.has(band));
}

/**
 * The default input bands of a pixel model: the bands every chip with image data holds (a chip whose
 * image is all nodata does not vote). A band only some chips have would be zero-filled in the others
 * and lets the net key on whether it is present (docs/TRAINING.md: the one S1+S2 chip among S1 chips).
 * No band in common: every band with data in some chip.
 */
export function sharedInputBands(chips: readonly ChipInfo[]): CanonicalBand[] {
  const voters = chips.map(bandsWithData).filter((bands) => bands.length > 0);
  const shared = CLAY_V0_BANDS.filter((band) => voters.length > 0 && voters.every((bands) => bands.includes(band)));
  return shared.length > 0 ? shared : inputBandsOf(chips);
}

const bandsWithData = (chip: ChipInfo): CanonicalBand[] =>
  chip.bandDetails.filter((b) => !b.empty && b.name !== null).map((b) => b.name as CanonicalBand);

/** Normalised pixels (nodata → 0), label and valid masks for one chip. */
export interface ChipSample extends Sample {
  id: string;
  /** 1 where at least one input band has data. */
  inputValid: Uint8Array;
  /** 1 where the label is valid (what metrics count); `valid` also needs image data (what the loss uses). */
  labelValid: Uint8Array;
  missingBands: CanonicalBand[];
}

export async function loadChipSample(
  chip: ChipInfo,
  inputBands: readonly CanonicalBand[],
  normalisation: InputNormalisation = { kind: 'clay-v0' },
): Promise<ChipSample> {
  const { pixels, raster } = await readNormalised(chip, inputBands, normalisation);
  const plane = raster.width * raster.height;
  const inputValid = new Uint8Array(plane);
  inputBands.forEach((band) => {
    const rasterBand = raster.bands.indexOf(band);
    const values = raster.pixels.subarray(rasterBand * plane, (rasterBand + 1) * plane);
    for (let i = 0; i < plane; i++) if (!Number.isNaN(values[i])) inputValid[i] = 1;
  });
  const label = new Float32Array(plane);
  const valid = new Float32Array(plane);
  const labelValid = raster.label ? raster.label.valid : new Uint8Array(plane);
  if (raster.label) {
    // A pixel counts only where the label is valid and the image has data: the net cannot see water in a hole.
    for (let i = 0; i < plane; i++) {
      label[i] = raster.label.water[i];
      valid[i] = raster.label.valid[i] & inputValid[i];
    }
  }
  return {
    id: chip.id,
    channels: inputBands.length,
    width: raster.width,
    height: raster.height,
    pixels,
    label,
    valid,
    inputValid,
    labelValid,
    missingBands: inputBands.filter((band) => !raster.present[raster.bands.indexOf(band)]),
  };
}

/** SHA-256 over chip ids and the bytes of every file they are read from, in a stable order. */
export async function dataFingerprint(chips: readonly ChipInfo[]): Promise<string> {
  const hash = createHash('sha256');
  for (const chip of [...chips].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    hash.update(`chip:${chip.id}\n`);
    for (const file of [...chip.files, ...(chip.labelFile ? [chip.labelFile] : [])]) {
      hash.update(`file:${file.split(/[\\/]/).pop()}\n`);
      await hashRegularFile(file, hash);
    }
  }
  return hash.digest('hex');
}
