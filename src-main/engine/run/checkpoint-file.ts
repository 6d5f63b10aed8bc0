import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../fs/atomic-write.ts';

import type { StateTensor } from '../models/sequential-net.ts';

/** A named float32 tensor in PyTorch layout, as state dicts hold it. */
export type StoredTensor = StateTensor;

/**
 * Floodlens checkpoint (`.flck`): one file holding model weights, optimizer state and run state,
 * written atomically so a crash never leaves weights and state from different steps.
 *   bytes 0..7  "FLCK0001"
 *   bytes 8..11 header length (uint32 LE), then the JSON header, zero-padded to a multiple of 8
 *   then the float32 LE tensors back to back, in header order.
 */
const MAGIC = 'FLCK0001';

interface Header {
  meta: unknown;
  tensors: { name: string; shape: number[]; length: number }[];
}

export class CheckpointFileError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'CheckpointFileError';
  }
}

export async function writeCheckpointFile(path: string, tensors: Map<string, StoredTensor>, meta: unknown): Promise<void> {
  const header: Header = { meta, tensors: [] };
  let total = 0;
  for (const [name, tensor] of tensors) {
    const length = tensor.shape.reduce((a, b) => a * b, 1);
    if (length !== tensor.data.length) throw new CheckpointFileError(path, `tensor ${name} has ${tensor.data.length} values for shape [${tensor.shape}]`);
    header.tensors.push({ name, shape: tensor.shape, length });
    total += length;
  }
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const headerBytes = Math.ceil((12 + json.length) / 8) * 8;
  const file = new Uint8Array(headerBytes + total * 4);
  file.set(Buffer.from(MAGIC, 'latin1'), 0);
  new DataView(file.buffer).setUint32(8, json.length, true);
  file.set(json, 12);
  const body = new Float32Array(file.buffer, headerBytes, total);
  let offset = 0;
  for (const tensor of tensors.values()) {
    body.set(tensor.data, offset);
    offset += tensor.data.length;
  }
  await writeFileAtomic(path, file);
}

export async function readCheckpointFile(path: string): Promise<{ tensors: Map<string, StoredTensor>; meta: unknown }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new CheckpointFileError(path, `cannot read (${(error as Error).message})`);
  }
  if (bytes.length < 12 || bytes.subarray(0, 8).toString('latin1') !== MAGIC) throw new CheckpointFileError(path, 'not a Floodlens checkpoint');
  const jsonLength = bytes.readUInt32LE(8);
  if (12 + jsonLength > bytes.length) throw new CheckpointFileError(path, 'truncated header');
  let header: Header;
  try {
    header = JSON.parse(bytes.subarray(12, 12 + jsonLength).toString('utf8')) as Header;
  } catch {
    throw new CheckpointFileError(path, 'corrupt header');
  }
  const wellFormed = (t: unknown): t is Header['tensors'][number] => {
    const c = t as Header['tensors'][number] | null;
    return typeof c === 'object' && c !== null && typeof c.name === 'string' && Number.isSafeInteger(c.length) && c.length >= 0 && Array.isArray(c.shape) && c.shape.every((d) => Number.isSafeInteger(d) && d >= 0);
  };
  if (typeof header !== 'object' || header === null || !Array.isArray(header.tensors) || !header.tensors.every(wellFormed)) throw new CheckpointFileError(path, 'corrupt header');
  const headerBytes = Math.ceil((12 + jsonLength) / 8) * 8;
  const total = header.tensors.reduce((sum, t) => sum + t.length, 0);
  if (headerBytes + total * 4 !== bytes.length) throw new CheckpointFileError(path, `truncated or padded: expected ${headerBytes + total * 4} bytes, found ${bytes.length}`);
  const body = new Float32Array(bytes.buffer.slice(bytes.byteOffset + headerBytes, bytes.byteOffset + bytes.length));
  const tensors = new Map<string, StoredTensor>();
  let offset = 0;
  for (const t of header.tensors) {
    if (!Number.isInteger(t.length) || t.length < 0 || t.shape.reduce((a, b) => a * b, 1) !== t.length) {
      throw new CheckpointFileError(path, `tensor ${t.name} has an inconsistent shape`);
    }
    tensors.set(t.name, { shape: t.shape, data: body.slice(offset, offset + t.length) });
    offset += t.length;
  }
  return { tensors, meta: header.meta };
}
