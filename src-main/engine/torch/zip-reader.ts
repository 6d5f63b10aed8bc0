import type { FileHandle } from 'node:fs/promises';
import { openRegularFile } from '../fs/regular-file.ts';
import { inflateRawSync, crc32 } from 'node:zlib';
import { CheckpointError } from './errors.ts';

/**
 * Read-only access to a zip archive through positioned reads on one file handle: only the
 * end-of-central-directory records, the central directory and the entries asked for are read.
 * Every length and offset is checked against the file size before anything is allocated.
 */

export interface ZipEntry {
  name: string;
  method: number; // 0 stored, 8 deflate
  crc32: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

const EOCD_SIG = 0x06054b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_EOCD_SIG = 0x06064b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;
const EOCD_SIZE = 22;
const ZIP64_LOCATOR_SIZE = 20;
const ZIP64_EOCD_SIZE = 56;
const CENTRAL_SIZE = 46;
const LOCAL_SIZE = 30;
const MAX_COMMENT = 0xffff;
/** A single fs read is limited to 2 GiB; stay well below. */
const READ_CHUNK = 1 << 30;

export class ZipReader {
  readonly entries: ReadonlyMap<string, ZipEntry>;
  private readonly dataOffsets = new Map<string, number>();
  private closed = false;
  /** Bytes read from the file so far (directory, headers and records): shows what a reader skipped. */
  bytesRead = 0;

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    readonly fileSize: number,
    entries: Map<string, ZipEntry>,
    /** Entry data must end before the central directory. */
    private readonly dataLimit: number,
  ) {
    this.entries = entries;
  }

  static async open(path: string): Promise<ZipReader> {
    let handle: FileHandle;
    try {
      handle = await openRegularFile(path); // a FIFO or device is refused, never waited on
    } catch (err) {
      throw new CheckpointError(path, `cannot open: ${(err as Error).message}`, { cause: err });
    }
    try {
      const fileSize = (await handle.stat()).size;
      const { cdOffset, cdSize, count } = await readEndRecords(path, handle, fileSize);
      const central = await readExactly(path, handle, cdOffset, cdSize);
      const entries = parseCentralDirectory(path, central, count, cdOffset);
      const reader = new ZipReader(path, handle, fileSize, entries, cdOffset);
      reader.bytesRead = cdSize + (fileSize - cdOffset - cdSize);
      return reader;
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  entry(name: string): ZipEntry {
    if (this.closed) throw new CheckpointError(this.path, 'is closed');
    const entry = this.entries.get(name);
    if (!entry) throw new CheckpointError(this.path, `archive has no record ${name}`);
    return entry;
  }

  /** The whole (decompressed) entry, CRC-checked. */
  async readEntry(name: string): Promise<Uint8Array> {
    const entry = this.entry(name);
    const problem = inflationProblem(entry); // before reading the compressed bytes
    if (problem) throw new CheckpointError(this.path, problem);
    const start = await this.dataOffset(entry);
    const raw = await readExactly(this.path, this.handle, start, entry.compressedSize);
    this.bytesRead += entry.compressedSize;
    const data = entry.method === 0 ? raw : inflateEntry(this.path, entry, raw);
    if (crc32(data) >>> 0 !== entry.crc32) throw new CheckpointError(this.path, `record ${name} is corrupt (CRC mismatch)`);
    return data;
  }

  /**
   * Bytes [offset, offset+length) of an entry's content into `target` (which must have room).
   * Stored entries are read in place; deflated ones are decompressed whole first.
   */
  async readRange(name: string, offset: number, length: number, target: Uint8Array): Promise<void> {
    const entry = this.entry(name);
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > entry.size) {
      throw new CheckpointError(this.path, `record ${name} is ${entry.size} bytes, cannot read ${length} bytes at ${offset}`);
    }
    if (target.byteLength < length) throw new RangeError('target too small');
    if (entry.method === 0) {
      const start = await this.dataOffset(entry);
      await readInto(this.path, this.handle, start + offset, length, target);
      this.bytesRead += length;
    } else {
      const whole = await this.readEntry(name);
      target.set(whole.subarray(offset, offset + length));
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close();
  }

  /** The local header repeats name and has its own extra field (torch pads it for alignment). */
  private async dataOffset(entry: ZipEntry): Promise<number> {
    const cached = this.dataOffsets.get(entry.name);
    if (cached !== undefined) return cached;
    const header = await readExactly(this.path, this.handle, entry.localHeaderOffset, LOCAL_SIZE);
    this.bytesRead += LOCAL_SIZE;
    const view = viewOf(header);
    if (view.getUint32(0, true) !== LOCAL_SIG) throw new CheckpointError(this.path, `record ${entry.name}: bad local header`);
    const start = entry.localHeaderOffset + LOCAL_SIZE + view.getUint16(26, true) + view.getUint16(28, true);
    if (start + entry.compressedSize > this.dataLimit) {
      throw new CheckpointError(this.path, `record ${entry.name} extends past the end of the data (truncated or corrupt archive)`);
    }
    this.dataOffsets.set(entry.name, start);
    return start;
  }
}

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function readU64(path: string, view: DataView, at: number): number {
  const value = view.getBigUint64(at, true);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new CheckpointError(path, 'zip64 field out of range');
  return Number(value);
}

async function readInto(path: string, handle: FileHandle, position: number, length: number, target: Uint8Array): Promise<void> {
  let done = 0;
  while (done < length) {
    const want = Math.min(READ_CHUNK, length - done);
    let bytesRead: number;
    try {
      ({ bytesRead } = await handle.read(target, done, want, position + done));
    } catch (err) {
      throw new CheckpointError(path, `read failed at byte ${position + done}: ${(err as Error).message}`, { cause: err });
    }
    if (bytesRead === 0) throw new CheckpointError(path, `unexpected end of file at byte ${position + done} (truncated?)`);
    done += bytesRead;
  }
}

async function readExactly(path: string, handle: FileHandle, position: number, length: number): Promise<Uint8Array> {
  const target = new Uint8Array(length);
  await readInto(path, handle, position, length, target);
  return target;
}

interface EndRecords {
  cdOffset: number;
  cdSize: number;
  count: number;
}

async function readEndRecords(path: string, handle: FileHandle, fileSize: number): Promise<EndRecords> {
  if (fileSize < EOCD_SIZE) throw new CheckpointError(path, `not a zip archive (only ${fileSize} bytes)`);
  const tailLength = Math.min(fileSize, EOCD_SIZE + MAX_COMMENT + ZIP64_LOCATOR_SIZE);
  const tailStart = fileSize - tailLength;
  const tail = await readExactly(path, handle, tailStart, tailLength);
  const view = viewOf(tail);
  let eocd = -1;
  for (let at = tailLength - EOCD_SIZE; at >= 0; at--) {
    if (view.getUint32(at, true) === EOCD_SIG && at + EOCD_SIZE + view.getUint16(at + 20, true) === tailLength) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) throw new CheckpointError(path, 'not a zip archive, or truncated: no end-of-central-directory record');
  let count = view.getUint16(eocd + 10, true);
  let cdSize = view.getUint32(eocd + 12, true);
  let cdOffset = view.getUint32(eocd + 16, true);
  let cdEnd = tailStart + eocd;

  const locator = eocd - ZIP64_LOCATOR_SIZE;
  if (locator >= 0 && view.getUint32(locator, true) === ZIP64_LOCATOR_SIG) {
    const zip64At = readU64(path, view, locator + 8);
    if (zip64At + ZIP64_EOCD_SIZE > tailStart + locator)
      throw new CheckpointError(path, 'zip64 end record points past the end of the file');
    const record = viewOf(await readExactly(path, handle, zip64At, ZIP64_EOCD_SIZE));
    if (record.getUint32(0, true) !== ZIP64_EOCD_SIG) throw new CheckpointError(path, 'bad zip64 end-of-central-directory record');
    count = readU64(path, record, 32);
    cdSize = readU64(path, record, 40);
    cdOffset = readU64(path, record, 48);
    cdEnd = zip64At;
  }
  if (cdOffset + cdSize > cdEnd) {
    throw new CheckpointError(
      path,
      `central directory (${cdSize} bytes at ${cdOffset}) lies outside the file (truncated or corrupt archive)`,
    );
  }
  if (count * CENTRAL_SIZE > cdSize) throw new CheckpointError(path, `central directory too small for ${count} records`);
  return { cdOffset, cdSize, count };
}

function parseCentralDirectory(path: string, central: Uint8Array, count: number, cdOffset: number): Map<string, ZipEntry> {
  const view = viewOf(central);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const entries = new Map<string, ZipEntry>();
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + CENTRAL_SIZE > central.length || view.getUint32(at, true) !== CENTRAL_SIG) {
      throw new CheckpointError(path, `central directory record ${i} is corrupt`);
    }
    const method = view.getUint16(at + 10, true);
    const crc = view.getUint32(at + 16, true);
    let compressedSize = view.getUint32(at + 20, true);
    let size = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    let localHeaderOffset = view.getUint32(at + 42, true);
    const nameStart = at + CENTRAL_SIZE;
    const extraStart = nameStart + nameLength;
    const next = extraStart + extraLength + commentLength;
    if (next > central.length) throw new CheckpointError(path, `central directory record ${i} is truncated`);
    let name: string;
    try {
      name = decoder.decode(central.subarray(nameStart, extraStart));
    } catch {
      throw new CheckpointError(path, `central directory record ${i} has a name that is not UTF-8`);
    }
    checkEntryName(path, name);

    // ZIP64 extended information: 64-bit values present only for the fields saturated at 0xFFFFFFFF.
    const needs = [size === 0xffffffff, compressedSize === 0xffffffff, localHeaderOffset === 0xffffffff];
    if (needs.some(Boolean)) {
      const values = zip64Extra(path, name, view, extraStart, extraLength);
      let k = 0;
      const take = () => {
        if (k >= values.length) throw new CheckpointError(path, `record ${name}: zip64 extra field is missing values`);
        return values[k++];
      };
      if (needs[0]) size = take();
      if (needs[1]) compressedSize = take();
      if (needs[2]) localHeaderOffset = take();
    }
    if (method !== 0 && method !== 8) throw new CheckpointError(path, `record ${name} uses unsupported compression method ${method}`);
    if (method === 0 && compressedSize !== size) throw new CheckpointError(path, `record ${name}: stored sizes disagree`);
    // DEFLATE cannot expand more than ~1032:1, so a larger claimed size is a lie (and must not size a buffer).
    if (method === 8 && size > compressedSize * 1032 + 64)
      throw new CheckpointError(path, `record ${name} claims an impossible decompressed size`);
    if (localHeaderOffset + LOCAL_SIZE + compressedSize > cdOffset) {
      throw new CheckpointError(
        path,
        `record ${name} (${compressedSize} bytes at ${localHeaderOffset}) lies outside the data area (truncated or corrupt archive)`,
      );
    }
    if (entries.has(name)) throw new CheckpointError(path, `archive has two records named ${name}`);
    entries.set(name, { name, method, crc32: crc, compressedSize, size, localHeaderOffset });
    at = next;
  }
  return entries;
}

function zip64Extra(path: string, name: string, view: DataView, start: number, length: number): number[] {
  let at = start;
  const end = start + length;
  while (at + 4 <= end) {
    const id = view.getUint16(at, true);
    const size = view.getUint16(at + 2, true);
    if (at + 4 + size > end) break;
    if (id === 0x0001) {
      const values: number[] = [];
      for (let p = at + 4; p + 8 <= at + 4 + size; p += 8) values.push(readU64(path, view, p));
      return values;
    }
    at += 4 + size;
  }
  throw new CheckpointError(path, `record ${name} needs a zip64 extra field but has none`);
}

/** Entry names come from untrusted input: never absolute, never climbing out. */
function checkEntryName(path: string, name: string): void {
  const bad =
    name.length === 0 ||
    name.includes('\0') ||
    name.includes('\\') ||
    name.startsWith('/') ||
    /^[A-Za-z]:/.test(name) ||
    name.split('/').some((part) => part === '..');
  if (bad) throw new CheckpointError(path, `archive record has an unsafe name ${JSON.stringify(name)}`);
}

/** torch never compresses, so deflated records are only accepted up to this size. */
const MAX_INFLATED = 2 ** 31 - 1;
/** Below this a compressed record may inflate freely (zero-initialised biases compress ~1000:1 too). */
export const SMALL_INFLATED = 16 * 2 ** 20;
/** Above SMALL_INFLATED, the most a compressed record may expand: float weights deflate ~1.1:1; zeros ~1000:1. */
export const MAX_EXPANSION = 20;

/** Why a compressed record may not be inflated, or null: checked before any byte is inflated. */
export function inflationProblem(entry: ZipEntry): string | null {
  if (entry.method === 0) return null;
  const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  if (entry.size > MAX_INFLATED) return `compressed record ${entry.name} is too large (${entry.size} bytes)`;
  if (entry.size > SMALL_INFLATED && entry.size > MAX_EXPANSION * entry.compressedSize) {
    return (
      `compressed record ${entry.name} would inflate ${mib(entry.compressedSize)} to ${mib(entry.size)} (${Math.round(entry.size / Math.max(1, entry.compressedSize))}:1); ` +
      `torch never compresses its records, so this is refused as a likely decompression bomb (re-save the checkpoint with torch.save)`
    );
  }
  return null;
}

function inflateEntry(path: string, entry: ZipEntry, raw: Uint8Array): Uint8Array {
  const problem = inflationProblem(entry);
  if (problem) throw new CheckpointError(path, problem);
  let out: Buffer;
  try {
    out = inflateRawSync(raw, { maxOutputLength: Math.max(1, entry.size) });
  } catch (err) {
    throw new CheckpointError(path, `record ${entry.name} cannot be decompressed: ${(err as Error).message}`, { cause: err });
  }
  if (out.length !== entry.size)
    throw new CheckpointError(path, `record ${entry.name} decompresses to ${out.length} bytes, expected ${entry.size}`);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}
