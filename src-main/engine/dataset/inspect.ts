/** Inspects chips: opens every file, checks grids and bands, computes label statistics. */
import { basename } from 'node:path';
import {
  CANONICAL_BANDS,
  type BandInfo,
  type CanonicalBand,
  type ChipInfo,
  type DatasetInspection,
  type DatasetSummary,
  type S1Units,
} from '../../api/dataset.ts';
import { readBands, readRasterHeader, type BandArray, type RasterHeader } from '../geo/geotiff-file.ts';
import { wgs84Bbox } from '../geo/bbox.ts';
import { gridDifference, pixelSizeOf } from '../geo/grid.ts';
import { canonicalBandName, isS1Band } from './bands.ts';
import { CLAY_V0_BANDS } from './clay-v0-stats.ts';
import { dateFromMetadata } from './dates.ts';
import { ChipReadError, asChipReadError } from '../geo/errors.ts';
import { effectiveEncoding, labelMasks } from './label.ts';
import { detectChips } from './layout.ts';
import { detectS1Units } from './units.ts';
import type { ChipSource, ChipSpec } from './chip-spec.ts';

export interface InspectOptions {
  /** Forces S1 units for every chip (otherwise manifest, then detection). */
  s1Units?: S1Units;
  /** Names for bands that neither the file (descriptions) nor the layout names, in band order (`--bands`). */
  bandNames?: (CanonicalBand | null)[];
}

const isValidPixel = (v: number, nodata: number | null) => !Number.isNaN(v) && v !== nodata;

function countValid(values: BandArray, nodata: number | null): number {
  let count = 0;
  for (let i = 0; i < values.length; i++) if (isValidPixel(values[i], nodata)) count++;
  return count;
}

function namesFor(
  source: ChipSource & { layoutName: string },
  header: RasterHeader,
  errors: ChipReadError[],
  given: InspectOptions['bandNames'],
): (CanonicalBand | null)[] {
  const names = header.descriptions.map((description, i) => {
    const fromLayout = source.bandNames?.[i] ?? (description ? null : (given?.[i] ?? null));
    const fromFile = canonicalBandName(description);
    if (source.namesAreExplicit && source.bandNames) return fromLayout;
    if (description && !fromFile && !fromLayout)
      errors.push(
        new ChipReadError('unknown-band', header.file, `band ${i + 1} description "${description}" is not a known band name`, 'warning'),
      );
    return fromFile ?? fromLayout;
  });
  const unnamed = names.flatMap((name, i) => (name === null && !header.descriptions[i] ? [i + 1] : []));
  if (unnamed.length > 0 && !source.namesAreExplicit) {
    const which =
      unnamed.length === names.length
        ? `none of its ${names.length} bands has a name`
        : `band(s) ${unnamed.join(', ')} of ${names.length} have no name`;
    errors.push(
      new ChipReadError(
        'unnamed-bands',
        header.file,
        `${which} (no band description, and the ${source.layoutName} layout cannot tell which band is which), so no model can use ${unnamed.length === names.length ? 'them' : 'those'}. ` +
          `Name them in floodlens-manifest.json ("bands": ["B02", "B03", …] for this file), or check a naming with \`floodlens dataset inspect --bands B02,B03,…\``,
        unnamed.length === names.length ? 'error' : 'warning',
      ),
    );
  }
  return names;
}

interface ReadSource {
  header: RasterHeader;
  names: (CanonicalBand | null)[];
}

async function readSources(spec: ChipSpec, errors: ChipReadError[], given: InspectOptions['bandNames']): Promise<ReadSource[]> {
  const usable: ReadSource[] = [];
  for (const source of spec.sources) {
    let header: RasterHeader;
    try {
      header = await readRasterHeader(source.file);
    } catch (error) {
      errors.push(asChipReadError(error, source.file));
      continue;
    }
    errors.push(...header.geoErrors);
    if (source.expectedBandCount !== null && header.bandCount !== source.expectedBandCount) {
      errors.push(
        new ChipReadError(
          'wrong-band-count',
          source.file,
          `has ${header.bandCount} band(s), the ${spec.layout} layout expects ${source.expectedBandCount}`,
        ),
      );
      continue;
    }
    const reference = usable[0]?.header;
    if (reference && (reference.width !== header.width || reference.height !== header.height)) {
      errors.push(
        new ChipReadError(
          'size-mismatch',
          source.file,
          `is ${header.width}×${header.height}, ${basename(reference.file)} is ${reference.width}×${reference.height}`,
        ),
      );
      continue;
    }
    const difference = reference ? gridDifference(reference, header) : null;
    if (reference && difference) {
      errors.push(new ChipReadError('grid-mismatch', source.file, `is not on the grid of ${basename(reference.file)}: it ${difference}`));
      continue;
    }
    usable.push({ header, names: namesFor({ ...source, layoutName: spec.layout }, header, errors, given) });
  }
  return usable;
}

/** Opens every file of one chip; problems end up in `errors`, never thrown. */
export async function inspectChip(spec: ChipSpec, options: InspectOptions = {}): Promise<ChipInfo> {
  const errors: ChipReadError[] = [...spec.errors];
  const sources = await readSources(spec, errors, options.bandNames);
  const reference = sources[0]?.header ?? null;

  const bandDetails: BandInfo[] = [];
  const s1Samples: { values: BandArray; nodata: number | null }[] = [];
  for (const { header, names } of sources) {
    let arrays: BandArray[];
    try {
      arrays = await readBands(header.file);
    } catch (error) {
      errors.push(asChipReadError(error, header.file));
      continue;
    }
    const emptyHere: string[] = [];
    arrays.forEach((values, index) => {
      const empty = countValid(values, header.nodata) === 0;
      const name = names[index];
      if (empty) emptyHere.push(name ?? `band ${index + 1}`);
      else if (isS1Band(name)) s1Samples.push({ values, nodata: header.nodata });
      bandDetails.push({
        name,
        description: header.descriptions[index],
        file: header.file,
        index,
        nodata: header.nodata === null ? null : Number.isNaN(header.nodata) ? 'NaN' : header.nodata,
        dtype: header.dtype,
        empty,
      });
    });
    if (emptyHere.length > 0)
      errors.push(new ChipReadError('all-nan-band', header.file, `no valid pixel (all NaN/nodata) in ${emptyHere.join(', ')}`, 'warning'));
  }
  const bandsWithData = bandDetails.filter((b) => !b.empty && b.name !== null);
  if (bandDetails.length > 0 && bandsWithData.length === 0) {
    errors.forEach((e, i) => {
      if (e.code === 'all-nan-band') errors[i] = new ChipReadError(e.code, e.file, e.toJSON().message, 'error');
    });
  }

  let s1Units: S1Units | null = null;
  let s1UnitsSource: ChipInfo['s1UnitsSource'] = null;
  if (options.s1Units) [s1Units, s1UnitsSource] = [options.s1Units, 'override'];
  else if (spec.s1Units) [s1Units, s1UnitsSource] = [spec.s1Units, 'manifest'];
  else if (s1Samples.length > 0) {
    const votes = s1Samples.map((s) => detectS1Units(s.values, s.nodata));
    s1Units = votes.every((v) => v === votes[0]) ? votes[0] : null;
    s1UnitsSource = s1Units ? 'detected' : null;
  }

  const label = await inspectLabel(spec, reference, errors);

  let date = spec.date;
  let dateSource: ChipInfo['dateSource'] = spec.dateSource;
  if (!date) {
    const fromFile = sources.map((s) => dateFromMetadata(s.header.metadata)).find((d) => d !== null) ?? null;
    if (fromFile) [date, dateSource] = [fromFile, 'file-metadata'];
  }

  const geo = reference && reference.crs && reference.geoTransform ? reference : null;
  let bboxWgs84: ChipInfo['bboxWgs84'] = null;
  if (geo) {
    try {
      bboxWgs84 = wgs84Bbox(geo.geoTransform!, geo.width, geo.height, geo.crs!);
    } catch (error) {
      errors.push(asChipReadError(error, geo.file, 'no-crs'));
    }
  }
  const bands = [...new Set(bandDetails.map((b) => b.name).filter((n): n is CanonicalBand => n !== null))];
  return {
    id: spec.id,
    layout: spec.layout,
    files: spec.sources.map((s) => s.file),
    labelFile: spec.label?.file ?? null,
    width: reference?.width ?? null,
    height: reference?.height ?? null,
    epsg: reference?.crs?.epsg ?? null,
    proj4: reference?.crs?.proj4 ?? null,
    geoTransform: reference?.geoTransform ?? null,
    bbox: reference?.bbox ?? null,
    bboxWgs84,
    pixelSize: reference?.geoTransform ? pixelSizeOf(reference.geoTransform) : null,
    date,
    dateSource,
    bands,
    emptyBands: bands.filter((name) => bandDetails.filter((b) => b.name === name).every((b) => b.empty)),
    bandDetails,
    dtype: reference?.dtype ?? null,
    s1Units,
    s1UnitsSource,
    label,
    errors: errors.map((e) => e.toJSON()),
  };
}

async function inspectLabel(spec: ChipSpec, reference: RasterHeader | null, errors: ChipReadError[]): Promise<ChipInfo['label']> {
  if (!spec.label) return null;
  const { file } = spec.label;
  try {
    const header = await readRasterHeader(file);
    if (reference && (header.width !== reference.width || header.height !== reference.height))
      throw new ChipReadError(
        'size-mismatch',
        file,
        `label is ${header.width}×${header.height} but the image is ${reference.width}×${reference.height}`,
      );
    if (header.bandCount !== 1) throw new ChipReadError('wrong-band-count', file, `label has ${header.bandCount} bands, expected 1`);
    // Same size is not enough: a label on another CRS or origin would score the wrong pixels.
    // An image whose CRS is already reported missing or unknown has no grid to compare the label with.
    const imageCrsReported = errors.some((e) => e.code === 'no-crs' || e.code === 'unknown-epsg');
    const difference = reference && !imageCrsReported ? gridDifference(reference, header) : null;
    if (reference && difference)
      throw new ChipReadError('grid-mismatch', file, `label is not on the image's grid (${basename(reference.file)}): it ${difference}`);
    const encoding = effectiveEncoding(spec.label.encoding, header.nodata, header.dtype.startsWith('float'));
    const [values] = await readBands(file, [0]);
    const masks = labelMasks(values, encoding);
    if (masks.unexpectedPixels > 0)
      errors.push(
        new ChipReadError(
          'label-values',
          file,
          `${masks.unexpectedPixels} pixel(s) hold values outside the encoding (e.g. ${masks.unexpectedValues.join(', ')}); counted as not valid`,
          'warning',
        ),
      );
    const total = values.length;
    return {
      file,
      dtype: header.dtype,
      encoding,
      totalPixels: total,
      validPixels: masks.validPixels,
      waterPixels: masks.waterPixels,
      waterFraction: masks.validPixels > 0 ? masks.waterPixels / masks.validPixels : null,
      validFraction: total > 0 ? masks.validPixels / total : 0,
    };
  } catch (error) {
    errors.push(asChipReadError(error, file));
    return null;
  }
}

function summarise(chips: ChipInfo[], extraProblems: { severity: string }[]): DatasetSummary {
  const withData = new Set<CanonicalBand>();
  for (const chip of chips) for (const b of chip.bandDetails) if (!b.empty && b.name) withData.add(b.name);
  const crs = new Map<number | null, number>();
  for (const chip of chips) crs.set(chip.epsg, (crs.get(chip.epsg) ?? 0) + 1);
  let valid = 0,
    water = 0,
    total = 0,
    labelled = 0;
  for (const chip of chips) {
    if (!chip.label) continue;
    labelled++;
    valid += chip.label.validPixels;
    water += chip.label.waterPixels;
    total += chip.label.totalPixels;
  }
  const all = [...chips.flatMap((c) => c.errors), ...extraProblems];
  return {
    chips: chips.length,
    readableChips: chips.filter(isReadable).length,
    layouts: [...new Set(chips.map((c) => c.layout))],
    bandsPresent: CANONICAL_BANDS.filter((b) => withData.has(b)),
    bandsMissing: CLAY_V0_BANDS.filter((b) => !withData.has(b)),
    crs: [...crs].map(([epsg, count]) => ({ epsg, chips: count })),
    labelBalance: { labelledChips: labelled, waterFraction: valid > 0 ? water / valid : 0, validFraction: total > 0 ? valid / total : 0 },
    problems: { errors: all.filter((e) => e.severity === 'error').length, warnings: all.filter((e) => e.severity === 'warning').length },
  };
}

/** A chip is readable when it has a size and at least one band with data. */
export function isReadable(chip: ChipInfo): boolean {
  return chip.width !== null && chip.bandDetails.some((b) => !b.empty);
}

/** Detects the layout of `dir` and inspects every chip. Never throws for bad files; only for an unreadable `dir`. */
export async function inspectDataset(dir: string, options: InspectOptions = {}): Promise<DatasetInspection> {
  const detected = await detectChips(dir);
  const chips: ChipInfo[] = [];
  for (const spec of detected.chips) chips.push(await inspectChip(spec, options));
  const errors = detected.errors.map((e) => e.toJSON());
  return { root: dir, layout: detected.layout, chips, errors, summary: summarise(chips, errors) };
}
