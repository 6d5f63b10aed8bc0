import type { Hash } from 'node:crypto';

/**
 * One tensor's share of an encoder fingerprint: SHA-256, in checkpoint order, over
 * `<key without the encoder prefix>|<shape, comma-separated>\n` then the float32 LE bytes.
 * Hashing tensors rather than the file keeps the fingerprint when the same weights are re-saved.
 */
export function hashTensor(hash: Hash, relativeKey: string, shape: number[], data: Float32Array): void {
  hash.update(`${relativeKey}|${shape.join(',')}\n`);
  hash.update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}
