/**
 * A Clay checkpoint as an embedding source: its fingerprint (SHA-256 over the encoder tensors: key,
 * shape and float32 bytes, in checkpoint order) and, when needed, the encoder. Both go through the
 * encoder cache (engine/clay/cache): the first read of a checkpoint converts it, later reads of the same
 * file (same path, size, mtime) take the fingerprint from the cache header and the tensors from the cache.
 */
import { resolve } from 'node:path';
import { initBackend } from '../compute/backend.ts';
import { clayEncoderFromTensors, type ClayEncoder, type ClaySpec } from '../clay/index.ts';
import { identifyClayEncoderFile, readClayEncoderTensors, type EncoderCacheOptions } from '../clay/cache/index.ts';
import { sourceIdentity } from '../clay/cache/source-index.ts';

export interface EncoderIdentity {
  file: string;
  /** e.g. `clay-v0`, `clay-v1.5`. */
  name: string;
  version: 'v0' | 'v1.5';
  description: string;
  fingerprint: string;
}

/** `cacheDir` (null = off; default: the host's, else `$FLOODLENS_HOME/cache`), warnings, cancellation between tensors. */
export type EncoderFileOptions = Pick<EncoderCacheOptions, 'cacheDir' | 'onWarning' | 'checkCancelled'>;

function identity(file: string, spec: ClaySpec, fingerprint: string): EncoderIdentity {
  return { file, name: spec.version === 'v0' ? 'clay-v0' : 'clay-v1.5', version: spec.version, description: spec.description, fingerprint };
}

/** Identities already known in this process, keyed by path, size and mtime (no file access beyond a stat). */
const known = new Map<string, EncoderIdentity>();
const memoKey = async (file: string) => {
  const source = await sourceIdentity(file);
  return source ? `${source.path}|${source.size}|${source.mtimeMs}` : null;
};

/** Identify the encoder and fingerprint its tensors, without building it (no tfjs work). */
export async function encoderIdentity(file: string, options: EncoderFileOptions = {}): Promise<EncoderIdentity> {
  const key = await memoKey(file);
  const hit = key ? known.get(key) : undefined;
  if (hit) return { ...hit, file };
  const { spec, fingerprint } = await identifyClayEncoderFile(file, options);
  const result = identity(file, spec, fingerprint);
  if (key) known.set(key, result);
  return result;
}

/** Read the encoder once (from the cache when it holds this file): fingerprint and a ready encoder. */
export async function openEncoder(
  file: string,
  options: EncoderFileOptions = {},
): Promise<{ identity: EncoderIdentity; encoder: ClayEncoder; loadedFrom: 'cache' | 'checkpoint' }> {
  await initBackend();
  const read = await readClayEncoderTensors(file, options);
  const encoder = clayEncoderFromTensors(read.tensors, { file, hyperParameters: read.hyperParameters, consume: true });
  const result = identity(file, read.spec, read.fingerprint);
  const key = await memoKey(resolve(file));
  if (key) known.set(key, result);
  return { identity: result, encoder, loadedFrom: read.from };
}
