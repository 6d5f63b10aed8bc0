/**
 * A deliberately dishonest zip writer for fuzzing: every header field can be overridden, so archives
 * can lie about sizes, offsets, CRCs, names and counts. Test-only.
 */
import { crc32, deflateRawSync } from 'node:zlib';

/** Deflating the same record (an 8 MiB bomb, a base record) again for every case dominated the fuzz loop's cost. */
const deflateCache = new WeakMap<Uint8Array, Uint8Array>();
function deflated(data: Uint8Array): Uint8Array {
  let out = deflateCache.get(data);
  if (!out) deflateCache.set(data, (out = new Uint8Array(deflateRawSync(data))));
  return out;
}

export interface FuzzRecord {
  name: Uint8Array | string;
  data: Uint8Array;
  method?: 0 | 8 | number;
  /** Overrides written in both local and central headers. */
  declaredSize?: number;
  declaredCompressedSize?: number;
  crc?: number;
  /** Central directory only. */
  localHeaderOffset?: number;
  /** ZIP64 extra field values (size, compressed size, offset) when the 32-bit fields are 0xFFFFFFFF. */
  zip64?: bigint[];
}

export interface FuzzZip {
  records: FuzzRecord[];
  eocdCount?: number;
  cdOffsetDelta?: number;
  cdSizeDelta?: number;
  commentLength?: number;
}

const u16 = (v: number) => {
  const b = new Uint8Array(2);
  new DataView(b.buffer).setUint16(0, v & 0xffff, true);
  return b;
};
const u32 = (v: number) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, true);
  return b;
};
const u64 = (v: bigint) => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, v), true);
  return b;
};

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function buildZip(zip: FuzzZip): Uint8Array {
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const record of zip.records) {
    const name = typeof record.name === 'string' ? new TextEncoder().encode(record.name) : record.name;
    const method = record.method ?? 0;
    const stored = method === 8 ? deflated(record.data) : record.data;
    const crc = record.crc ?? crc32(record.data) >>> 0;
    const size = record.declaredSize ?? record.data.length;
    const compressed = record.declaredCompressedSize ?? stored.length;
    const extra = record.zip64 ? concat([u16(1), u16(record.zip64.length * 8), ...record.zip64.map(u64)]) : new Uint8Array(0);
    const common = [
      u16(20),
      u16(0x0800),
      u16(method),
      u16(0),
      u16(0x21),
      u32(crc),
      u32(compressed),
      u32(size),
      u16(name.length),
      u16(extra.length),
    ];
    const local = concat([u32(0x04034b50), ...common, name, extra, stored]);
    const central = concat([
      u32(0x02014b50),
      u16(20),
      ...common,
      u16(0),
      u16(0),
      u16(0),
      u32(0),
      u32(record.localHeaderOffset ?? offset),
      name,
      extra,
    ]);
    locals.push(local);
    centrals.push(central);
    offset += local.length;
  }
  const cd = concat(centrals);
  const count = zip.eocdCount ?? zip.records.length;
  const eocd = concat([
    u32(0x06054b50),
    u16(0),
    u16(0),
    u16(count),
    u16(count),
    u32(cd.length + (zip.cdSizeDelta ?? 0)),
    u32(offset + (zip.cdOffsetDelta ?? 0)),
    u16(zip.commentLength ?? 0),
  ]);
  return concat([...locals, cd, eocd]);
}
