/** Raw storage bytes (little-endian, as torch writes them) → float32, and strided views → C order. */

export const ELEMENT_SIZE: Readonly<Record<string, number>> = {
  float32: 4,
  float16: 2,
  bfloat16: 2,
  float64: 8,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
};

let halfTable: Float32Array | undefined;

/** All 65536 float16 bit patterns as float32 (256 KiB, built once). */
function float16Table(): Float32Array {
  if (halfTable) return halfTable;
  halfTable = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    halfTable[h] =
      exp === 0 ? sign * frac * 2 ** -24 : exp === 31 ? (frac ? NaN : sign * Infinity) : sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  return halfTable;
}

/** Reverse the byte order of each element in place (for files written on big-endian machines). */
export function swapBytes(bytes: Uint8Array, elementSize: number): void {
  if (elementSize === 1) return;
  for (let i = 0; i + elementSize <= bytes.length; i += elementSize) {
    for (let a = i, b = i + elementSize - 1; a < b; a++, b--) {
      const t = bytes[a];
      bytes[a] = bytes[b];
      bytes[b] = t;
    }
  }
}

/**
 * `bytes` must start at an offset aligned to the element size (callers allocate fresh buffers).
 * float32 input is returned as a view on the same memory, without a copy.
 */
export function toFloat32(bytes: Uint8Array, dtype: string, count: number): Float32Array {
  const { buffer, byteOffset } = bytes;
  switch (dtype) {
    case 'float32':
      return new Float32Array(buffer, byteOffset, count);
    case 'float64':
      return Float32Array.from(new Float64Array(buffer, byteOffset, count));
    case 'float16': {
      const table = float16Table();
      const src = new Uint16Array(buffer, byteOffset, count);
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = table[src[i]];
      return out;
    }
    case 'bfloat16': {
      const src = new Uint16Array(buffer, byteOffset, count);
      const out = new Float32Array(count);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) bits[i] = src[i] << 16;
      return out;
    }
    case 'int64': {
      const src = new BigInt64Array(buffer, byteOffset, count);
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = Number(src[i]);
      return out;
    }
    case 'int32':
      return Float32Array.from(new Int32Array(buffer, byteOffset, count));
    case 'int16':
      return Float32Array.from(new Int16Array(buffer, byteOffset, count));
    case 'int8':
      return Float32Array.from(new Int8Array(buffer, byteOffset, count));
    case 'uint8':
      return Float32Array.from(new Uint8Array(buffer, byteOffset, count));
    case 'bool': {
      const src = new Uint8Array(buffer, byteOffset, count);
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = src[i] ? 1 : 0;
      return out;
    }
    default:
      throw new Error(`unsupported dtype ${dtype}`);
  }
}

export function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Elements of storage a view spans, from its first to its last element inclusive. */
export function spanOf(shape: readonly number[], stride: readonly number[]): number {
  if (product(shape) === 0) return 0;
  let last = 0;
  for (let i = 0; i < shape.length; i++) last += (shape[i] - 1) * stride[i];
  return last + 1;
}

export function isContiguous(shape: readonly number[], stride: readonly number[]): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && stride[i] !== expected) return false;
    expected *= shape[i];
  }
  return true;
}

/** Copy a strided view (starting at region[0]) into a new C-order array. */
export function gatherCOrder(region: Float32Array, shape: readonly number[], stride: readonly number[]): Float32Array {
  const count = product(shape);
  const out = new Float32Array(count);
  if (count === 0) return out;
  const rank = shape.length;
  if (rank === 0) {
    out[0] = region[0];
    return out;
  }
  const index = new Array<number>(rank).fill(0);
  const inner = rank - 1;
  const innerSize = shape[inner];
  const innerStride = stride[inner];
  let base = 0;
  for (let o = 0; o < count; o += innerSize) {
    for (let j = 0, src = base; j < innerSize; j++, src += innerStride) out[o + j] = region[src];
    // advance the outer odometer
    for (let d = inner - 1; d >= 0; d--) {
      index[d]++;
      base += stride[d];
      if (index[d] < shape[d]) break;
      base -= stride[d] * shape[d];
      index[d] = 0;
    }
  }
  return out;
}
