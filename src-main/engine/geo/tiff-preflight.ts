/**
 * Checks a TIFF's first IFD against the file size before geotiff.js sees it. geotiff.js sizes buffers
 * from declared counts, byte counts and image/tile dimensions (a 900-byte file can ask for 34 GB),
 * so every length that would drive an allocation is bounded here first: tag values and image blocks
 * must lie inside the file, and the decoded image must be plausible for the file's size and codec.
 */
import type { FileHandle } from 'node:fs/promises';
import { NotRegularFileError, openRegularFile } from '../fs/regular-file.ts';
import { ChipReadError } from './errors.ts';

export interface TiffLimits {
  /** Largest decoded image (all samples) or single block, in bytes. */
  maxDecodedBytes: number;
  /** Largest out-of-line tag value, in bytes (GDAL metadata, offsets tables). */
  maxTagBytes: number;
}

export const DEFAULT_TIFF_LIMITS: TiffLimits = { maxDecodedBytes: 2 ** 30, maxTagBytes: 64 * 2 ** 20 };

/** Highest decoded/encoded ratio each codec can reach (with margin); absent = no bound beyond maxDecodedBytes. */
const MAX_EXPANSION: Record<number, number> = {
  1: 1, // none
  5: 4096, // LZW: a 9-bit code expands to at most 4096 bytes
  8: 1100, // Adobe deflate: ~1032:1
  32946: 1100, // deflate
  32773: 64, // PackBits: 2 bytes → 128
};
/** Small images decode to a few MiB whatever their file size; no need to police those. */
const ALWAYS_ALLOWED_BYTES = 16 * 2 ** 20;

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
  13: 4,
  16: 8,
  17: 8,
  18: 8,
};

const TAG = {
  width: 256,
  height: 257,
  bitsPerSample: 258,
  compression: 259,
  stripOffsets: 273,
  samplesPerPixel: 277,
  rowsPerStrip: 278,
  stripByteCounts: 279,
  planarConfiguration: 284,
  tileWidth: 322,
  tileLength: 323,
  tileOffsets: 324,
  tileByteCounts: 325,
} as const;

interface Entry {
  tag: number;
  type: number;
  count: number;
  /** Absolute offset of the values (inline values: inside the IFD entry). */
  valuesAt: number;
  byteLength: number;
}

class Reader {
  constructor(
    private readonly file: string,
    private readonly handle: FileHandle,
    readonly size: number,
  ) {}

  async bytes(position: number, length: number, what: string): Promise<DataView> {
    if (!Number.isSafeInteger(position) || position < 0 || position + length > this.size)
      this.fail(`${what} (${length} bytes at ${position}) lies past the end of the ${this.size}-byte file`);
    const buffer = new Uint8Array(length);
    const { bytesRead } = await this.handle.read(buffer, 0, length, position);
    if (bytesRead !== length) this.fail(`${what}: unexpected end of file`);
    return new DataView(buffer.buffer);
  }

  fail(problem: string): never {
    throw new ChipReadError('corrupt-tiff', this.file, `not a valid TIFF: ${problem}`);
  }
}

/** Throws ChipReadError('corrupt-tiff') naming the problem; returns quietly for anything geotiff.js can safely try. */
export async function checkTiffStructure(file: string, limits: TiffLimits = DEFAULT_TIFF_LIMITS): Promise<void> {
  let handle: FileHandle;
  try {
    // Only regular files are opened: a FIFO would block this open (and a thread of the I/O pool) forever.
    handle = await openRegularFile(file);
  } catch (error) {
    if (error instanceof NotRegularFileError) throw new ChipReadError('not-regular-file', file, error.message.slice(file.length + 2));
    return; // geotiff.js reports missing/unreadable files with the right code
  }
  try {
    const reader = new Reader(file, handle, (await handle.stat()).size);
    await checkWithReader(reader, limits);
  } finally {
    await handle.close();
  }
}

async function checkWithReader(reader: Reader, limits: TiffLimits): Promise<void> {
  if (reader.size < 8) reader.fail(`only ${reader.size} bytes`);
  const head = await reader.bytes(0, Math.min(16, reader.size), 'header');
  const order = String.fromCharCode(head.getUint8(0), head.getUint8(1));
  if (order !== 'II' && order !== 'MM') reader.fail('no byte-order mark');
  const le = order === 'II';
  const magic = head.getUint16(2, le);
  if (magic !== 42 && magic !== 43) reader.fail(`unknown version ${magic}`);
  const big = magic === 43;
  if (big && reader.size < 16) reader.fail('truncated BigTIFF header');
  const u64 = (view: DataView, at: number) => {
    const value = view.getBigUint64(at, le);
    return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(value);
  };
  const ifdOffset = big ? u64(head, 8) : head.getUint32(4, le);
  const countSize = big ? 8 : 2;
  const entrySize = big ? 20 : 12;
  const countView = await reader.bytes(ifdOffset, countSize, 'first IFD');
  const entryCount = big ? u64(countView, 0) : countView.getUint16(0, le);
  if (entryCount === 0) reader.fail('the first IFD has no entries');
  const tableLength = entryCount * entrySize + (big ? 8 : 4);
  if (ifdOffset + countSize + tableLength > reader.size)
    reader.fail(`the first IFD declares ${entryCount} entries, more than the file can hold`);
  const table = await reader.bytes(ifdOffset + countSize, tableLength, 'first IFD');

  const entries = new Map<number, Entry>();
  for (let i = 0; i < entryCount; i++) {
    const at = i * entrySize;
    const tag = table.getUint16(at, le);
    const type = table.getUint16(at + 2, le);
    const count = big ? u64(table, at + 4) : table.getUint32(at + 4, le);
    const typeSize = TYPE_SIZES[type];
    if (typeSize === undefined) continue; // geotiff.js rejects unknown types itself
    const byteLength = typeSize * count;
    const inlineLimit = big ? 8 : 4;
    const valueField = ifdOffset + countSize + at + (big ? 12 : 8);
    const valuesAt = byteLength <= inlineLimit ? valueField : big ? u64(table, at + 12) : table.getUint32(at + 8, le);
    if (byteLength > inlineLimit) {
      if (byteLength > limits.maxTagBytes)
        reader.fail(`tag ${tag} declares ${count} values (${byteLength} bytes), more than the ${limits.maxTagBytes}-byte limit`);
      if (valuesAt + byteLength > reader.size)
        reader.fail(
          `tag ${tag} declares ${count} values (${byteLength} bytes) at offset ${valuesAt}, past the end of the ${reader.size}-byte file`,
        );
    }
    entries.set(tag, { tag, type, count, valuesAt, byteLength });
  }

  const values = async (tag: number): Promise<number[] | null> => {
    const entry = entries.get(tag);
    if (!entry) return null;
    // a FLOAT RowsPerStrip of 5.6e-45 makes geotiff.js loop over ~1e45 strips: structure tags must be integers
    if (![3, 4, 16].includes(entry.type))
      reader.fail(`tag ${tag} has field type ${entry.type}, the TIFF spec requires an unsigned integer type`);
    const view = await reader.bytes(entry.valuesAt, entry.byteLength, `tag ${tag}`);
    const size = TYPE_SIZES[entry.type];
    const out: number[] = [];
    for (let k = 0; k < entry.count; k++)
      out.push(size === 2 ? view.getUint16(k * 2, le) : size === 4 ? view.getUint32(k * 4, le) : u64(view, k * 8));
    return out;
  };
  const first = async (tag: number, fallback: number | null): Promise<number | null> => (await values(tag))?.[0] ?? fallback;

  const width = await first(TAG.width, null);
  const height = await first(TAG.height, null);
  if (!width || !height) reader.fail(`image size ${width ?? '?'}×${height ?? '?'} is missing or zero`);
  const samples = (await first(TAG.samplesPerPixel, 1))!;
  if (samples === 0) reader.fail('SamplesPerPixel is 0');
  const bits = (await values(TAG.bitsPerSample)) ?? [1];
  const bytesPerPixel = bits.slice(0, samples).reduce((sum, b) => sum + b, 0) / 8 || samples / 8;
  const decoded = width * height * Math.max(bytesPerPixel, samples / 8);
  const compression = (await first(TAG.compression, 1))!;
  const expansion = MAX_EXPANSION[compression];
  const allowed = Math.min(
    limits.maxDecodedBytes,
    expansion === undefined ? Infinity : Math.max(ALWAYS_ALLOWED_BYTES, reader.size * expansion),
  );
  if (decoded > allowed) {
    reader.fail(
      `declares a ${width}×${height}×${samples} image (${decoded} bytes decoded), implausible for a ${reader.size}-byte file with compression ${compression}`,
    );
  }

  const tiled = entries.has(TAG.tileWidth) || entries.has(TAG.tileOffsets);
  const blockWidth = tiled ? (await first(TAG.tileWidth, 0))! : width;
  const blockHeight = tiled ? (await first(TAG.tileLength, 0))! : Math.min((await first(TAG.rowsPerStrip, height))!, height);
  if (blockWidth === 0 || blockHeight === 0) reader.fail(`${tiled ? 'tile' : 'strip'} size ${blockWidth}×${blockHeight} is zero`);
  const planar = (await first(TAG.planarConfiguration, 1))!;
  const blockBytes = blockWidth * blockHeight * (planar === 2 ? Math.max(...bits.slice(0, samples), 8) / 8 : Math.max(bytesPerPixel, 1));
  if (blockBytes > Math.max(allowed, ALWAYS_ALLOWED_BYTES))
    reader.fail(`${tiled ? 'tile' : 'strip'} of ${blockWidth}×${blockHeight} pixels is implausibly large`);

  const offsets = await values(tiled ? TAG.tileOffsets : TAG.stripOffsets);
  const byteCounts = await values(tiled ? TAG.tileByteCounts : TAG.stripByteCounts);
  if (!offsets || !byteCounts) reader.fail(`${tiled ? 'tile' : 'strip'} offsets or byte counts are missing`);
  // Fewer blocks than the declared size needs: readers then decode missing blocks again and again (a 24 KB file
  // declaring 33,551 rows of 64-row strips took 7 s of CPU), where GDAL drops the table as "Incorrect count".
  const needed = Math.ceil(width / blockWidth) * Math.ceil(height / blockHeight) * (planar === 2 ? samples : 1);
  const blocks = Math.min(offsets.length, byteCounts.length);
  if (blocks < needed)
    reader.fail(`declares ${width}×${height} pixels in ${needed} ${tiled ? 'tiles' : 'strips'}, but its offsets table lists ${blocks}`);
  for (let k = 0; k < blocks; k++) {
    if (offsets[k] + byteCounts[k] > reader.size) {
      reader.fail(
        `${tiled ? 'tile' : 'strip'} ${k} (${byteCounts[k]} bytes at ${offsets[k]}) lies past the end of the ${reader.size}-byte file (truncated?)`,
      );
    }
  }
}
