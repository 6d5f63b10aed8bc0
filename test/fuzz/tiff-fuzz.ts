/**
 * Fuzz target for the GeoTIFF/chip reader: real 64×64 chips from test/fixtures/data, mutated at the
 * byte level (bit flips, truncation) and at the structure level (IFD entry counts, types, values and
 * offsets; image/tile sizes; strip and tile offsets/byte counts pointing past the end of the file).
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import fc from 'fast-check';
import { ChipReadError } from '../../src-main/engine/geo/errors.ts';
import { inspectDataset, isReadable } from '../../src-main/engine/dataset/inspect.ts';
import { readChip } from '../../src-main/engine/dataset/read.ts';
import { readBands, readRasterHeader } from '../../src-main/engine/geo/geotiff-file.ts';
import { parseTiffLayout, TAGS, typeSize, writeUint, type TiffLayout } from './tiff-structure.ts';

const FIXTURES = resolve(import.meta.dirname, '../fixtures/data');

/** Chips whose files are mutated one at a time; the other files of the chip stay intact. */
export const TIFF_CHIPS: { layout: string; files: string[] }[] = [
  { layout: 'sen1floods11', files: ['Spain_7370579_S1Hand.tif', 'Spain_7370579_S2Hand.tif', 'Spain_7370579_LabelHand.tif'] },
  { layout: 'c2smsfloods', files: ['jja10_vv.tif', 'jja10_vh.tif', 'jja10.tif'] },
];

export interface TiffSource {
  chip: number;
  file: number;
  name: string;
  bytes: Uint8Array;
  layout: TiffLayout;
}

export function loadTiffSources(): TiffSource[] {
  return TIFF_CHIPS.flatMap((chip, c) =>
    chip.files.map((name, f) => {
      const bytes = new Uint8Array(readFileSync(join(FIXTURES, chip.layout, name)));
      return { chip: c, file: f, name, bytes, layout: parseTiffLayout(bytes) };
    }),
  );
}

export type TiffMutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'byte'; at: number; value: number }
  | { kind: 'truncate'; keep: number }
  | { kind: 'entry-count'; entry: number; value: number }
  | { kind: 'entry-value'; entry: number; value: number }
  | { kind: 'entry-type'; entry: number; type: number }
  | { kind: 'tag-value'; tag: number; index: number; value: number }
  | { kind: 'ifd-count'; value: number }
  | { kind: 'ifd-offset'; value: number };

export interface TiffCase {
  source: number;
  mutations: TiffMutation[];
}

/** Values that break parsers: boundaries, sign bits, sizes around the file length (resolved later). */
const interesting = fc.oneof(
  fc.constantFrom(0, 1, 2, 0x7f, 0xff, 0x100, 0x7fff, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, -1, -2, -3),
  fc.nat({ max: 0xffffffff }),
);

const DIMENSION_TAGS = [
  TAGS.ImageWidth,
  TAGS.ImageLength,
  TAGS.TileWidth,
  TAGS.TileLength,
  TAGS.RowsPerStrip,
  TAGS.SamplesPerPixel,
  TAGS.BitsPerSample,
];
const BLOCK_TAGS = [TAGS.StripOffsets, TAGS.StripByteCounts, TAGS.TileOffsets, TAGS.TileByteCounts];
const OTHER_TAGS = [
  TAGS.Compression,
  TAGS.PlanarConfiguration,
  TAGS.SampleFormat,
  TAGS.GeoKeyDirectory,
  TAGS.ModelTiepoint,
  TAGS.ModelPixelScale,
];

const mutation: fc.Arbitrary<TiffMutation> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat({ max: 7 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('byte' as const), at: fc.nat(), value: fc.nat({ max: 255 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), keep: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('entry-count' as const), entry: fc.nat(), value: interesting }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('entry-value' as const), entry: fc.nat(), value: interesting }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('entry-type' as const), entry: fc.nat(), type: fc.nat({ max: 20 }) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('tag-value' as const),
      tag: fc.constantFrom(...DIMENSION_TAGS, ...BLOCK_TAGS, ...OTHER_TAGS),
      index: fc.nat({ max: 40 }),
      value: interesting,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('ifd-count' as const), value: interesting }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('ifd-offset' as const), value: interesting }) },
);

export function tiffCaseArbitrary(sourceCount: number): fc.Arbitrary<TiffCase> {
  return fc.record({ source: fc.nat({ max: sourceCount - 1 }), mutations: fc.array(mutation, { minLength: 1, maxLength: 4 }) });
}

/** Negative "interesting" values mean "file length + value" (points just past or at the end). */
const resolveValue = (value: number, length: number) => (value < 0 ? length + value + 2 : value);

export function applyTiffMutations(source: TiffSource, mutations: TiffMutation[]): Uint8Array {
  let bytes = Uint8Array.from(source.bytes);
  const { entries, littleEndian: le, ifdOffset } = source.layout;
  for (const m of mutations) {
    const length = bytes.length;
    if (length === 0) break;
    switch (m.kind) {
      case 'flip':
        bytes[m.at % length] ^= 1 << m.bit;
        break;
      case 'byte':
        bytes[m.at % length] = m.value;
        break;
      case 'truncate':
        bytes = bytes.slice(0, m.keep % length);
        break;
      case 'entry-count':
        writeUint(bytes, entries[m.entry % entries.length].at + 4, resolveValue(m.value, length), 4, le);
        break;
      case 'entry-value':
        writeUint(bytes, entries[m.entry % entries.length].valueField, resolveValue(m.value, length), 4, le);
        break;
      case 'entry-type':
        writeUint(bytes, entries[m.entry % entries.length].at + 2, m.type, 2, le);
        break;
      case 'tag-value': {
        const entry = entries.find((e) => e.tag === m.tag);
        if (!entry) break;
        const size = typeSize(entry.type) === 2 ? 2 : 4;
        writeUint(bytes, entry.valuesAt + (m.index % Math.max(1, entry.count)) * size, resolveValue(m.value, length), size, le);
        break;
      }
      case 'ifd-count':
        writeUint(bytes, ifdOffset, m.value, 2, le);
        break;
      case 'ifd-offset':
        writeUint(bytes, 4, resolveValue(m.value, length), 4, le);
        break;
    }
  }
  return bytes;
}

export const isChipReadError = (error: unknown) => error instanceof ChipReadError;

/** A scratch folder holding one chip per layout, rewritten for each case. */
export class TiffWorkspace {
  readonly root = mkdtempSync(join(tmpdir(), 'floodlens-fuzz-tiff-'));

  constructor(private readonly sources: TiffSource[]) {
    for (const chip of TIFF_CHIPS) mkdirSync(join(this.root, chip.layout));
  }

  /** Writes the chip of `source` with `bytes` in place of that one file; returns the chip folder and file. */
  prepare(source: TiffSource, bytes: Uint8Array): { dir: string; file: string } {
    const chip = TIFF_CHIPS[source.chip];
    const dir = join(this.root, chip.layout);
    for (const other of this.sources.filter((s) => s.chip === source.chip)) {
      const path = join(dir, other.name);
      if (other === source) writeFileSync(path, bytes);
      else copyFileSync(join(FIXTURES, chip.layout, other.name), path);
    }
    return { dir, file: join(dir, source.name) };
  }

  dispose(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/**
 * The property: the low-level reads throw only ChipReadError; inspecting the folder never throws and
 * lists the chip; every chip inspection calls readable loads or throws ChipReadError.
 */
export async function tiffTarget(dir: string, file: string): Promise<void> {
  let lowLevelError: unknown = null;
  try {
    const header = await readRasterHeader(file);
    const bands = await readBands(file);
    if (bands.length !== header.bandCount) throw new Error(`readBands returned ${bands.length} bands, header says ${header.bandCount}`);
    for (const band of bands)
      if (band.length !== header.width * header.height)
        throw new Error(`band of ${band.length} values for ${String(header.width).slice(0, 40)}×${String(header.height).slice(0, 40)}`);
  } catch (error) {
    if (!isChipReadError(error)) throw error;
    lowLevelError = error;
  }
  const inspection = await inspectDataset(dir); // must never throw for bad files
  if (inspection.chips.length !== 1) throw new Error(`inspection lists ${inspection.chips.length} chips, expected 1`);
  const [chip] = inspection.chips;
  if (lowLevelError && !chip.errors.some((e) => e.file === file && e.severity === 'error')) {
    throw new Error(`inspection does not report the unreadable ${basename(file)}`);
  }
  if (isReadable(chip)) {
    const raster = await readChip(chip);
    if (raster.pixels.length !== raster.bands.length * raster.width * raster.height)
      throw new Error('readChip returned a pixel buffer of the wrong size');
  }
  if (lowLevelError) throw lowLevelError;
}
