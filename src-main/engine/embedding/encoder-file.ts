/**
 * A Clay checkpoint as an embedding source: its fingerprint (SHA-256 over the encoder tensors: key,
 * shape and float32 bytes, in checkpoint order) and, when needed, the encoder built from the same read.
 * Hashing the tensors rather than the file means the same weights re-saved elsewhere keep their cache.
 */
import { createHash, type Hash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { initBackend } from '../compute/backend.ts';
import { clayEncoderFromTensors, identifyClay, type ClayEncoder, type ClaySpec } from '../clay/index.ts';
import type { WeightTensor } from '../clay/weights.ts';
import { TorchCheckpoint } from '../torch/checkpoint.ts';

export interface EncoderIdentity {
  file: string;
  /** e.g. `clay-v0`, `clay-v1.5`. */
  name: string;
  version: 'v0' | 'v1.5';
  description: string;
  fingerprint: string;
}

function hashTensor(hash: Hash, key: string, shape: number[], data: Float32Array): void {
  hash.update(`${key}|${shape.join(',')}\n`);
  hash.update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

async function readEncoder(
  file: string,
  keep: boolean,
): Promise<{ spec: ClaySpec; fingerprint: string; tensors: Map<string, WeightTensor>; hyperParameters?: Record<string, unknown> }> {
  const ckpt = await TorchCheckpoint.open(file);
  try {
    const hp = ckpt.metadata()['hyper_parameters'];
    const hyperParameters = hp && typeof hp === 'object' && !Array.isArray(hp) ? (hp as Record<string, unknown>) : undefined;
    const list = ckpt.tensors();
    // Refuses a non-Clay file (with what it is instead) before reading any tensor.
    const spec = identifyClay(list, { hyperParameters, file });
    const hash = createHash('sha256');
    const tensors = new Map<string, WeightTensor>();
    for (const { key, shape } of list) {
      if (!key.startsWith(spec.prefix)) continue;
      const data = await ckpt.readFloat32(key);
      hashTensor(hash, key.slice(spec.prefix.length), shape, data);
      if (keep) tensors.set(key, { shape, data });
    }
    return { spec, fingerprint: hash.digest('hex'), tensors, hyperParameters };
  } finally {
    await ckpt.close();
  }
}

function identity(file: string, spec: ClaySpec, fingerprint: string): EncoderIdentity {
  return { file, name: spec.version === 'v0' ? 'clay-v0' : 'clay-v1.5', version: spec.version, description: spec.description, fingerprint };
}

/**
 * Identities already computed in this process, keyed by path, size and mtime: a train job checks the
 * same multi-GB checkpoint when it starts, evaluates and predicts, and hashing it is the slow part.
 */
const known = new Map<string, EncoderIdentity>();
const memoKey = async (file: string) => {
  const info = await stat(file);
  return `${resolve(file)}|${info.size}|${info.mtimeMs}`;
};

/** Identify the encoder and fingerprint its tensors, without building it (no tfjs work). */
export async function encoderIdentity(file: string): Promise<EncoderIdentity> {
  const key = await memoKey(file).catch(() => null);
  const hit = key ? known.get(key) : undefined;
  if (hit) return { ...hit, file };
  const { spec, fingerprint } = await readEncoder(file, false);
  const result = identity(file, spec, fingerprint);
  if (key) known.set(key, result);
  return result;
}

/** Read the checkpoint once: fingerprint and a ready encoder. */
export async function openEncoder(file: string): Promise<{ identity: EncoderIdentity; encoder: ClayEncoder }> {
  await initBackend();
  const { spec, fingerprint, tensors, hyperParameters } = await readEncoder(file, true);
  const encoder = clayEncoderFromTensors(tensors, { file, hyperParameters, consume: true });
  const result = identity(file, spec, fingerprint);
  const key = await memoKey(file).catch(() => null);
  if (key) known.set(key, result);
  return { identity: result, encoder };
}
