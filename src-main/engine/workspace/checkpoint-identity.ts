/**
 * What a checkpoint file is, from its tensor list only (zip central directory + pickle, no tensor data):
 * a Clay encoder (version, dim, depth) or the reason it cannot be one. Memoised by path, size and mtime.
 */
import { stat } from 'node:fs/promises';
import type { EncoderIdentity } from '../../api/encoders.ts';
import { identifyClay } from '../clay/index.ts';
import { TorchCheckpoint } from '../torch/checkpoint.ts';

const known = new Map<string, EncoderIdentity>();

export async function identifyCheckpointFile(path: string): Promise<EncoderIdentity> {
  let key: string;
  try {
    const info = await stat(path);
    if (!info.isFile()) return { ok: false, error: `${path} is not a file` };
    key = `${path}|${info.size}|${info.mtimeMs}`;
  } catch (error) {
    return { ok: false, error: `cannot read ${path}: ${(error as Error).message}` };
  }
  const hit = known.get(key);
  if (hit) return hit;
  const identity = await identify(path);
  known.set(key, identity);
  return identity;
}

async function identify(path: string): Promise<EncoderIdentity> {
  let checkpoint: TorchCheckpoint | null = null;
  try {
    checkpoint = await TorchCheckpoint.open(path);
    const hp = checkpoint.metadata()['hyper_parameters'];
    const hyperParameters = hp && typeof hp === 'object' && !Array.isArray(hp) ? (hp as Record<string, unknown>) : undefined;
    const spec = identifyClay(checkpoint.tensors(), { hyperParameters, file: path });
    return { ok: true, version: spec.version, dim: spec.dim, depth: spec.depth, description: spec.description };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  } finally {
    await checkpoint?.close().catch(() => undefined);
  }
}
