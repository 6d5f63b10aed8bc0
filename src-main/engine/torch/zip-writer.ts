import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { asFileWriteError } from '../fs/atomic-write.ts';

/**
 * Writes an uncompressed zip the way torch's PyTorchStreamWriter does: every record stored, its data
 * aligned to 64 bytes through an "FB" padding extra field, and a ZIP64 end record. The file is
 * written to a temporary name in the same directory and renamed into place.
 */
export interface ZipRecord {
  name: string;
  /** Content as consecutive chunks, so large tensors are never concatenated in memory. */
  chunks: readonly Uint8Array[];
}

export interface ZipWriteOptions {
  /** Use ZIP64 extra fields even when sizes fit in 32 bits (for tests of the ZIP64 path). */
  forceZip64?: boolean;
}

const ALIGNMENT = 64;
const U32_MAX = 0xffffffff;
const WRITE_CHUNK = 1 << 30;
const DOS_DATE_1980_01_01 = 0x0021;
const UTF8_FLAG = 0x0800;

interface Written {
  name: Uint8Array;
  crc: number;
  size: number;
  offset: number;
}

export async function writeZipAtomic(path: string, records: Iterable<ZipRecord>, options: ZipWriteOptions = {}): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx').catch((error) => {
    throw asFileWriteError(path, error);
  });
  let done = false;
  try {
    let position = 0;
    const write = async (bytes: Uint8Array) => {
      for (let at = 0; at < bytes.length; at += WRITE_CHUNK) {
        const length = Math.min(WRITE_CHUNK, bytes.length - at);
        let written = 0;
        while (written < length) {
          const { bytesWritten } = await handle.write(bytes, at + written, length - written, position);
          written += bytesWritten;
          position += bytesWritten;
        }
      }
    };
    const written: Written[] = [];
    for (const record of records) {
      const name = new TextEncoder().encode(record.name);
      let crc = 0;
      let size = 0;
      for (const chunk of record.chunks) {
        crc = crc32(chunk, crc);
        size += chunk.length;
      }
      const entry: Written = { name, crc: crc >>> 0, size, offset: position };
      await write(localHeader(entry, options.forceZip64 ?? false));
      for (const chunk of record.chunks) await write(chunk);
      written.push(entry);
    }
    const cdOffset = position;
    for (const entry of written) await write(centralHeader(entry, options.forceZip64 ?? false));
    const cdSize = position - cdOffset;
    await write(endRecords(written.length, cdOffset, cdSize, position));
    await handle.sync();
    await handle.close();
    done = true;
    await rename(temp, path);
  } catch (err) {
    if (!done) await handle.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw asFileWriteError(path, err);
  }
}

function localHeader(entry: Written, forceZip64: boolean): Uint8Array {
  const zip64 = forceZip64 || entry.size >= U32_MAX;
  const zip64Length = zip64 ? 20 : 0;
  const unpadded = entry.offset + 30 + entry.name.length + zip64Length + 4;
  const padding = (ALIGNMENT - (unpadded % ALIGNMENT)) % ALIGNMENT;
  const extraLength = zip64Length + 4 + padding;
  const out = new Uint8Array(30 + entry.name.length + extraLength);
  const v = new DataView(out.buffer);
  v.setUint32(0, 0x04034b50, true);
  v.setUint16(4, zip64 ? 45 : 20, true);
  v.setUint16(6, UTF8_FLAG, true);
  v.setUint16(8, 0, true); // stored
  v.setUint16(10, 0, true);
  v.setUint16(12, DOS_DATE_1980_01_01, true);
  v.setUint32(14, entry.crc, true);
  v.setUint32(18, zip64 ? U32_MAX : entry.size, true);
  v.setUint32(22, zip64 ? U32_MAX : entry.size, true);
  v.setUint16(26, entry.name.length, true);
  v.setUint16(28, extraLength, true);
  out.set(entry.name, 30);
  let at = 30 + entry.name.length;
  if (zip64) {
    v.setUint16(at, 0x0001, true);
    v.setUint16(at + 2, 16, true);
    v.setBigUint64(at + 4, BigInt(entry.size), true);
    v.setBigUint64(at + 12, BigInt(entry.size), true);
    at += 20;
  }
  v.setUint16(at, 0x4246, true); // "FB", torch's padding record
  v.setUint16(at + 2, padding, true);
  out.fill(0x5a, at + 4, at + 4 + padding); // 'Z'
  return out;
}

function centralHeader(entry: Written, forceZip64: boolean): Uint8Array {
  const bigSize = forceZip64 || entry.size >= U32_MAX;
  const bigOffset = forceZip64 || entry.offset >= U32_MAX;
  const zip64Values = [...(bigSize ? [entry.size, entry.size] : []), ...(bigOffset ? [entry.offset] : [])];
  const extraLength = zip64Values.length ? 4 + 8 * zip64Values.length : 0;
  const out = new Uint8Array(46 + entry.name.length + extraLength);
  const v = new DataView(out.buffer);
  const needs = zip64Values.length > 0;
  v.setUint32(0, 0x02014b50, true);
  v.setUint16(4, 45, true);
  v.setUint16(6, needs ? 45 : 20, true);
  v.setUint16(8, UTF8_FLAG, true);
  v.setUint16(10, 0, true);
  v.setUint16(12, 0, true);
  v.setUint16(14, DOS_DATE_1980_01_01, true);
  v.setUint32(16, entry.crc, true);
  v.setUint32(20, bigSize ? U32_MAX : entry.size, true);
  v.setUint32(24, bigSize ? U32_MAX : entry.size, true);
  v.setUint16(28, entry.name.length, true);
  v.setUint16(30, extraLength, true);
  v.setUint32(42, bigOffset ? U32_MAX : entry.offset, true);
  out.set(entry.name, 46);
  if (needs) {
    const at = 46 + entry.name.length;
    v.setUint16(at, 0x0001, true);
    v.setUint16(at + 2, 8 * zip64Values.length, true);
    zip64Values.forEach((value, i) => v.setBigUint64(at + 4 + 8 * i, BigInt(value), true));
  }
  return out;
}

/** ZIP64 end record + locator (torch always writes them) + the classic end record. */
function endRecords(count: number, cdOffset: number, cdSize: number, zip64At: number): Uint8Array {
  const out = new Uint8Array(56 + 20 + 22);
  const v = new DataView(out.buffer);
  v.setUint32(0, 0x06064b50, true);
  v.setBigUint64(4, 44n, true);
  v.setUint16(12, 45, true);
  v.setUint16(14, 45, true);
  v.setBigUint64(24, BigInt(count), true);
  v.setBigUint64(32, BigInt(count), true);
  v.setBigUint64(40, BigInt(cdSize), true);
  v.setBigUint64(48, BigInt(cdOffset), true);
  v.setUint32(56, 0x07064b50, true);
  v.setBigUint64(64, BigInt(zip64At), true);
  v.setUint32(72, 1, true);
  v.setUint32(76, 0x06054b50, true);
  v.setUint16(84, Math.min(count, 0xffff), true);
  v.setUint16(86, Math.min(count, 0xffff), true);
  v.setUint32(88, Math.min(cdSize, U32_MAX), true);
  v.setUint32(92, Math.min(cdOffset, U32_MAX), true);
  return out;
}
