/**
 * A fast, non-cryptographic 96-bit checksum over a float32 array's words (two Fletcher-style running
 * sums plus a multiplicative mix), ~4× faster than SHA-256 here. It guards `.flck` files
 * (tensor-file.ts) against truncation and bit rot; they are our own files, so tampering is not the threat it addresses.
 */
export const CHECKSUM_NAME = 'fletcher96';
/** Hex characters of a checksum (fixed, so a `.flck` header's length is known before the tensors are read). */
export const CHECKSUM_HEX_LENGTH = 24;

export function checksumFloat32(data: Float32Array): string {
  const words = new Uint32Array(data.buffer, data.byteOffset, data.length);
  let a = 1;
  let b = 0;
  let c = data.length | 0;
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    a = (a + w) | 0;
    b = (b + a) | 0;
    c = ((c ^ Math.imul(w, 0x9e3779b1)) + 0x7f4a7c15) | 0;
  }
  return [a, b, c].map((v) => (v >>> 0).toString(16).padStart(8, '0')).join('');
}
