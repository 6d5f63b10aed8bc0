/**
 * Just enough of the classic TIFF layout to aim mutations at IFD entries: where each entry of the
 * first IFD sits and where its value (inline or out of line) lives. Test-only; never used to read data.
 */
export interface IfdEntry {
  /** Byte offset of the 12-byte entry. */
  at: number;
  tag: number;
  type: number;
  count: number;
  /** Offset of the entry's 4-byte value/offset field. */
  valueField: number;
  /** Where the values start (the value field itself when they fit in 4 bytes). */
  valuesAt: number;
}

export interface TiffLayout {
  littleEndian: boolean;
  ifdOffset: number;
  entries: IfdEntry[];
}

const TYPE_SIZES: Record<number, number> = {
  1: 1,
  2: 1,
  3: 2,
  4: 4,
  5: 8,
  6: 1,
  7: 1,
  8: 2,
  9: 4,
  10: 8,
  11: 4,
  12: 8,
  16: 8,
  17: 8,
  18: 8,
};

export const TAGS = {
  ImageWidth: 256,
  ImageLength: 257,
  BitsPerSample: 258,
  Compression: 259,
  StripOffsets: 273,
  SamplesPerPixel: 277,
  RowsPerStrip: 278,
  StripByteCounts: 279,
  PlanarConfiguration: 284,
  TileWidth: 322,
  TileLength: 323,
  TileOffsets: 324,
  TileByteCounts: 325,
  SampleFormat: 339,
  ModelPixelScale: 33550,
  ModelTiepoint: 33922,
  GeoKeyDirectory: 34735,
  GeoDoubleParams: 34736,
  GeoAsciiParams: 34737,
  GdalMetadata: 42112,
  GdalNodata: 42113,
} as const;

export function typeSize(type: number): number {
  return TYPE_SIZES[type] ?? 1;
}

/** Parses the header and first IFD of a classic (non-Big) TIFF. Throws on anything else. */
export function parseTiffLayout(bytes: Uint8Array): TiffLayout {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const order = String.fromCharCode(bytes[0], bytes[1]);
  if (order !== 'II' && order !== 'MM') throw new Error('not a TIFF');
  const le = order === 'II';
  if (view.getUint16(2, le) !== 42) throw new Error('not a classic TIFF');
  const ifdOffset = view.getUint32(4, le);
  const n = view.getUint16(ifdOffset, le);
  const entries: IfdEntry[] = [];
  for (let i = 0; i < n; i++) {
    const at = ifdOffset + 2 + i * 12;
    const tag = view.getUint16(at, le);
    const type = view.getUint16(at + 2, le);
    const count = view.getUint32(at + 4, le);
    const valueField = at + 8;
    const inline = typeSize(type) * count <= 4;
    entries.push({ at, tag, type, count, valueField, valuesAt: inline ? valueField : view.getUint32(valueField, le) });
  }
  return { littleEndian: le, ifdOffset, entries };
}

/** Writes an unsigned value of the entry's element type at `at` (SHORT or LONG; others as LONG). */
export function writeUint(bytes: Uint8Array, at: number, value: number, size: 2 | 4, littleEndian: boolean): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (at < 0 || at + size > bytes.length) return;
  if (size === 2) view.setUint16(at, value & 0xffff, littleEndian);
  else view.setUint32(at, value >>> 0, littleEndian);
}
