/** Classic little-endian TIFF: the 8-byte header and one image file directory (IFD). */

export const TIFF_TYPE = { ASCII: 2, SHORT: 3, LONG: 4, DOUBLE: 12 } as const;
const TYPE_SIZE: Record<number, number> = { 2: 1, 3: 2, 4: 4, 12: 8 };

export interface IfdEntry {
  tag: number;
  type: (typeof TIFF_TYPE)[keyof typeof TIFF_TYPE];
  /** Numbers for SHORT/LONG/DOUBLE; a string for ASCII (NUL terminator added here). */
  values: readonly number[] | string;
}

export function tiffHeader(firstIfdOffset: number): Uint8Array {
  const header = new Uint8Array(8);
  const view = new DataView(header.buffer);
  header[0] = 0x49; // 'I'
  header[1] = 0x49;
  view.setUint16(2, 42, true);
  view.setUint32(4, firstIfdOffset, true);
  return header;
}

function entryBytes(entry: IfdEntry): Uint8Array {
  if (typeof entry.values === 'string') {
    const text = new TextEncoder().encode(entry.values);
    const bytes = new Uint8Array(text.length + 1);
    bytes.set(text);
    return bytes;
  }
  const size = TYPE_SIZE[entry.type];
  const bytes = new Uint8Array(entry.values.length * size);
  const view = new DataView(bytes.buffer);
  entry.values.forEach((v, i) => {
    if (entry.type === TIFF_TYPE.SHORT) view.setUint16(i * size, v, true);
    else if (entry.type === TIFF_TYPE.LONG) view.setUint32(i * size, v, true);
    else view.setFloat64(i * size, v, true);
  });
  return bytes;
}

/**
 * Serialises one IFD placed at `ifdOffset` (must be even): entries sorted by tag, next-IFD = 0, and the
 * values longer than 4 bytes right after it, each at an even offset.
 */
export function buildIfd(entries: readonly IfdEntry[], ifdOffset: number): Uint8Array {
  const sorted = [...entries].sort((a, b) => a.tag - b.tag);
  const payloads = sorted.map(entryBytes);
  const dirSize = 2 + sorted.length * 12 + 4;
  let extraSize = 0;
  for (const p of payloads) if (p.length > 4) extraSize += p.length + (p.length & 1);
  const out = new Uint8Array(dirSize + extraSize);
  const view = new DataView(out.buffer);
  view.setUint16(0, sorted.length, true);
  let extraAt = dirSize;
  sorted.forEach((entry, i) => {
    const at = 2 + i * 12;
    const payload = payloads[i];
    const count = typeof entry.values === 'string' ? payload.length : entry.values.length;
    view.setUint16(at, entry.tag, true);
    view.setUint16(at + 2, entry.type, true);
    view.setUint32(at + 4, count, true);
    if (payload.length <= 4) {
      out.set(payload, at + 8);
    } else {
      view.setUint32(at + 8, ifdOffset + extraAt, true);
      out.set(payload, extraAt);
      extraAt += payload.length + (payload.length & 1);
    }
  });
  view.setUint32(2 + sorted.length * 12, 0, true);
  return out;
}
